"""Table tests for the condition language's closures, builtins and time functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from expression_helpers import DOCUMENT, INF, value_of

from analysis.expressions import ExpressionError, compile_expression, evaluate

# --------------------------------------------------------------------------- predicates

PREDICATES = [
    ("all([1, 2, 3], {# > 0})", True),
    ("all([1, 2, 3], # > 1)", False),
    ("any([1, 2, 3], {# > 2})", True),
    ("none([1, 2, 3], {# > 3})", True),
    ("none([1, 2, 3], {# > 2})", False),
    ("none([], {# > 2})", True),
    ("one([1, 2, 3], {# > 2})", True),
    ("one([1, 2, 3], {# > 1})", False),
    ("one([], {# > 1})", False),
    ("filter([1, 2, 3, 4], {# % 2 == 0})", [2, 4]),
    ("map([1, 2, 3], {# * 10})", [10, 20, 30]),
    ("map([1, 2, 3], #index)", [0, 1, 2]),
    ("count([1, 2, 3], {# >= 2})", 2),
    ("count([true, false, true])", 2),
    ("sum([1, 2, 3])", 6),
    ("sum([1, 2.5])", 3.5),
    ("sum([])", 0),
    ("sum([1, 2, 3], # * 2)", 12),
    ("find([1, 2, 3, 4], # > 2)", 3),
    ("find([1, 2], # > 5)", None),
    ("findIndex([1, 2, 3, 4], # > 2)", 2),
    ("findIndex([1, 2], # > 5)", -1),
    ("findLast([1, 2, 3, 4], # > 2)", 4),
    ("findLastIndex([1, 2, 3, 4], # > 2)", 3),
    ("findLastIndex([], # > 2)", -1),
    ("reduce(1..4, #acc + #)", 10),
    ("reduce(1..4, #acc * #, 10)", 240),
    ("reduce([], #acc + #, 0)", 0),
    ("filter(doc.items, .ok)", [{"value": 1.0, "ok": True}]),
    ("map(doc.items, .value)", [1.0, 20.0]),
    ("all(doc.items, {#.value > 0})", True),
    ("any(doc.items, .value > 10 and not .ok)", True),
    ("map([[1, 2], [3]], {sum(map(#, # * 2))})", [6, 6]),  # inner # shadows outer
    ("filter(1..10, # > 3 && # < 6)", [4, 5]),
    ("doc.items | map(.value) | max()", 20.0),
    ("all([], {# > 1}) and not any([], {# > 1})", True),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in PREDICATES])
def test_predicate(text, expected):
    assert evaluate(text, {"doc": DOCUMENT}) == expected


# --------------------------------------------------------------------------- builtins

BUILTINS = [
    ("len([1, 2])", 2),
    ("len('héllo')", 5),
    ("len({a: 1})", 1),
    ("abs(-3)", 3),
    ("abs(-3.5)", 3.5),
    ("ceil(1.2)", 2.0),
    ("ceil(2)", 2.0),
    ("floor(-1.2)", -2.0),
    ("round(2.5)", 3.0),  # half away from zero, like Go (not Python's banker's rounding)
    ("round(-2.5)", -3.0),
    ("round(0.49999999999999994)", 0.0),
    ("round(1.4)", 1.0),
    ("int(3.9)", 3),
    ("int(-3.9)", -3),
    ("int('42')", 42),
    ("int('-7')", -7),
    ("float(2)", 2.0),
    ("float('2.5')", 2.5),
    ("float('1e3')", 1000.0),
    ("string(1)", "1"),
    ("string(0.95)", "0.95"),
    ("string(1.0)", "1"),
    ("string(1e6)", "1e+06"),
    ("string(123456.0)", "123456"),
    ("string(0.0001)", "0.0001"),
    ("string(0.00001)", "1e-05"),
    ("string(1.5e300)", "1.5e+300"),
    ("string(-2.25)", "-2.25"),
    ("string(1 / 0)", "+Inf"),
    ("string(true)", "true"),
    ("string(nil)", "<nil>"),
    ("string([1, 'a', nil])", "[1 a <nil>]"),
    ("string({b: 1, a: 2.5})", "map[a:2.5 b:1]"),
    ("string('x')", "x"),
    ("trim('  hi  ')", "hi"),
    ("trim('__hi__', '_')", "hi"),
    ("trimPrefix('HelloWorld', 'Hello')", "World"),
    ("trimSuffix('HelloWorld', 'World')", "Hello"),
    ("trimPrefix(' x')", "x"),
    ("upper('abc')", "ABC"),
    ("lower('ABC')", "abc"),
    ("split('a,b,c', ',')", ["a", "b", "c"]),
    ("split('a,b,c', ',', 2)", ["a", "b,c"]),
    ("split('a,b', ',', 0)", []),
    ("split('abc', '')", ["a", "b", "c"]),
    ("split('', ',')", [""]),
    ("replace('aaa', 'a', 'b')", "bbb"),
    ("replace('aaa', 'a', 'b', 2)", "bba"),
    ("repeat('ab', 3)", "ababab"),
    ("join(['a', 'b'], '-')", "a-b"),
    ("join(['a', 'b'])", "ab"),
    ("indexOf('apple pie', 'pie')", 6),
    ("lastIndexOf('apple pie apple', 'apple')", 10),
    ("hasPrefix('HelloWorld', 'Hello')", True),
    ("hasSuffix('HelloWorld', 'Hello')", False),
    ("max(5, 7)", 7),
    ("max([1, 9.5, 3])", 9.5),
    ("min(5, 7, 2.5)", 2.5),
    ("min([])", None),
    ("mean([1, 2, 3, 4])", 2.5),
    ("mean([])", 0.0),
    ("median([3, 1, 2])", 2.0),
    ("median([4, 1, 2, 3])", 2.5),
    ("median([])", 0.0),
    ("first([1, 2, 3])", 1),
    ("first([])", None),
    ("first(5)", None),  # expr's first/last swallow lookup failures
    ("last([1, 2, 3])", 3),
    ("last([])", None),
    ("get([1, 2, 3], 1)", 2),
    ("get([1, 2, 3], 7)", None),
    ("get({a: 1}, 'a')", 1),
    ("take([1, 2, 3], 2)", [1, 2]),
    ("take([1, 2, 3], 9)", [1, 2, 3]),
    ("reverse([1, 2, 3])", [3, 2, 1]),
    ("sort([3, 1.5, 2])", [1.5, 2, 3]),
    ("sort(['b', 'a'], 'desc')", ["b", "a"]),
    ("keys({a: 1, b: 2})", ["a", "b"]),
    ("values({a: 1, b: 2})", [1, 2]),
    ("type(1)", "int"),
    ("type(1.5)", "float"),
    ("type('s')", "string"),
    ("type([])", "array"),
    ("type({})", "map"),
    ("type(nil)", "nil"),
    ("type(true)", "bool"),
    ("asInt(3.9)", 3),
    ("asInt(-3.9)", -3),
    ("asInt('12')", 12),
    ("asInt(5)", 5),
    ("asFloat('1.5')", 1.5),
    ("asFloat('-Inf')", -INF),
    ("asFloat(2)", 2.0),
    ("isNaN(1.0)", False),
    ("isNaN(1)", False),
    ("isInf(1)", False),
    ("isNil(nil)", True),
    ("isNil([])", False),
    ("default(nil, 'x')", "x"),
    ("default(0, 'x')", 0),
    ("default('', 'x')", ""),
    # toJSON writes what Go's encoding/json writes
    (
        "toJSON([1.5, 1e21, 1e-7, 0.000001, 100.0, nil, true, [], {}])",
        "[\n  1.5,\n  1e+21,\n  1e-7,\n  0.000001,\n  100,\n  null,\n  true,\n  [],\n  {}\n]",
    ),
    ("toJSON('a<b>&c é')", '"a\\u003cb\\u003e\\u0026c é"'),
    ("toJSON({a: [1, {b: 'x'}]})", '{\n  "a": [\n    1,\n    {\n      "b": "x"\n    }\n  ]\n}'),
    ("toJSON(duration('1s'))", "1000000000"),
    ('fromJSON(\'{"a": [1, {"b": null}], "c": 1.5}\')', {"a": [1.0, {"b": None}], "c": 1.5}),
    ("fromJSON(toJSON({a: [1, 'x']}))", {"a": [1.0, "x"]}),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in BUILTINS])
def test_builtin(text, expected):
    got = value_of(text)
    assert got == expected
    assert type(got) is type(expected)


FIXED_NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

TIME_EXPRESSIONS = [
    ("now()", FIXED_NOW),
    ("now() - duration('5m')", FIXED_NOW - timedelta(minutes=5)),
    ("now() + duration('1h30m')", FIXED_NOW + timedelta(hours=1, minutes=30)),
    ("now() - (now() - duration('90s'))", timedelta(seconds=90)),
    ("duration('1.5s') + duration('500ms')", timedelta(seconds=2)),
    ("duration('-1m')", timedelta(minutes=-1)),
    ("duration('0')", timedelta(0)),
    ("duration('1us') == duration('1000ns')", True),
    ("now() - duration('1h') < now()", True),
    ("duration('1h') > duration('59m')", True),
    ("string(duration('1h30m'))", "1h30m0s"),
    ("string(duration('90s'))", "1m30s"),
    ("string(duration('1.5ms'))", "1.5ms"),
    ("string(duration('2.25s'))", "2.25s"),
    ("string(duration('0s'))", "0s"),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in TIME_EXPRESSIONS])
def test_time_expression(text, expected):
    assert compile_expression(text).evaluate({}, clock=lambda: FIXED_NOW) == expected


def test_now_without_a_clock_is_an_error_not_a_hidden_clock_read():
    with pytest.raises(ExpressionError, match="no clock"):
        evaluate("now()", {})
