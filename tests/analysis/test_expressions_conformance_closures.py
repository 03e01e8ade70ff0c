"""Conformance with expr-lang/expr v1.17 for closures and aggregates: expected values taken as facts from the
tables of expr-lang's optimizer tests (which check that every rewrite keeps the answer), so each row is what expr
answers for the expression as written."""

from __future__ import annotations

import pytest

from analysis.expressions import evaluate

CLOSURE_TABLE = [
    ("1 + 2", 3),
    ("all(1..3, {# != 3}) || all(1..3, {# != 2})", False),
    ("all(1..3, {# != 3}) || all(1..3, {# < 4})", True),
    ("all(1..3, {# > 0}) && all(1..3, {# < 2})", False),
    ("all(1..3, {# > 0}) && all(1..3, {# < 4})", True),
    ("all(1..3, {# > 0}) || all(1..3, {# != 2})", True),
    ("all(1..3, {# > 0}) || all(1..3, {# < 4})", True),
    ("all(1..3, {# > 2}) && all(1..3, {# < 2})", False),
    ("all(1..3, {# > 2}) && all(1..3, {# < 4})", False),
    ("any(1..3, {# == 0}) && any(1..3, {# == 2})", False),
    ("any(1..3, {# == 0}) && any(1..3, {# == 4})", False),
    ("any(1..3, {# == 0}) || any(1..3, {# == 2})", True),
    ("any(1..3, {# == 0}) || any(1..3, {# == 4})", False),
    ("any(1..3, {# == 1}) && any(1..3, {# == 2})", True),
    ("any(1..3, {# == 1}) && any(1..3, {# == 4})", False),
    ("any(1..3, {# == 1}) || any(1..3, {# == 2})", True),
    ("any(1..3, {# == 1}) || any(1..3, {# == 4})", True),
    ("any([1, 1, 0, 1], {# == 0})", True),
    ("count(1..100, # % 10 == 0) >= 1", True),
    ("count(1..100, # == 0) > 0", False),
    ("count(1..100, # == 1) > 0", True),
    ("count(1..100, # == 100) > 0", True),
    ("count(1..100, # == 50) > 0", True),
    ("count(1..100, # > 100) >= 1", False),
    ("none(1..3, {# == 0}) && none(1..3, {# == 3})", False),
    ("none(1..3, {# == 0}) && none(1..3, {# == 4})", True),
    ("none(1..3, {# == 0}) || none(1..3, {# == 3})", True),
    ("none(1..3, {# == 0}) || none(1..3, {# == 4})", True),
    ("none(1..3, {# == 0})", True),
    ("none(1..3, {# == 1}) && none(1..3, {# == 3})", False),
    ("none(1..3, {# == 1}) && none(1..3, {# == 4})", False),
    ("none(1..3, {# == 1}) || none(1..3, {# == 3})", False),
    ("none(1..3, {# == 1}) || none(1..3, {# == 4})", True),
    ("one(1..3, {# == 1 || # == 2}) and one(1..3, {# == 2 || # == 3})", False),
    ("one(1..3, {# == 1 || # == 2}) and one(1..3, {# == 2})", False),
    ("one(1..3, {# == 1 || # == 2}) or one(1..3, {# == 2 || # == 3})", False),
    ("one(1..3, {# == 1 || # == 2}) or one(1..3, {# == 2})", True),
    ("one(1..3, {# == 1}) and one(1..3, {# == 2 || # == 3})", False),
    ("one(1..3, {# == 1}) and one(1..3, {# == 2})", True),
    ("one(1..3, {# == 1}) or one(1..3, {# == 2 || # == 3})", True),
    ("one(1..3, {# == 1}) or one(1..3, {# == 2})", True),
    ("one([1, 1, 0, 1], {# == 0}) and not one([1, 0, 0, 1], {# == 0})", True),
    ("reduce(0..100, # + #acc)", 5050),
    ("reduce(1..1, # + #acc)", 1),
    ("reduce(1..10, # + #acc)", 55),
    ("reduce(1..10, # + #acc, 0)", 55),
    ("reduce(1..10, # + #acc, 10)", 65),
    ("reduce(1..100, # + #acc)", 5050),
    ("reduce(1..100, # + #acc, 0)", 5050),
    ("reduce(1..100, # + #acc, 100)", 5150),
    ("reduce(10..20, # + #acc)", 165),
    ("reduce(5..10, # + #acc)", 45),
    ("reduce(5..10, # + #acc, 5)", 50),
    ("sum(0..0)", 0),
    ("sum(0..100)", 5050),
    ("sum(1..1)", 1),
    ("sum(1..10)", 55),
    ("sum(1..10, # * 0)", 0),
    ("sum(1..10, # * 1)", 55),
    ("sum(1..10, # * 1000)", 55000),
    ("sum(1..10, # + 0)", 55),
    ("sum(1..10, # - 0)", 55),
    ("sum(1..10, #)", 55),
    ("sum(1..10, 1 + #)", 65),
    ("sum(1..10, 2 * #)", 110),
    ("sum(1..100)", 5050),
    ("sum(1..100, #)", 5050),
    ("sum(10..1)", 0),
    ("sum(10..20)", 165),
    ("sum(100..1)", 0),
    ("sum(5..10)", 45),
    ("sum(5..3)", 0),
    ("sum([])", 0),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in CLOSURE_TABLE])
def test_expr_lang_closure(text, expected):
    got = evaluate(text, {})
    assert got == expected
    assert type(got) is type(expected)
