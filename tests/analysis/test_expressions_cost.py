"""The condition language's bounded cost: compile limits, the evaluation budget, and RE2 patterns."""

from __future__ import annotations

import time

import pytest
from expression_helpers import error_of, value_of

from analysis.expressions import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_RANGE_LENGTH,
    MAX_STEPS,
    Budget,
    compile_condition,
    compile_expression,
    evaluate_condition,
)

# --------------------------------------------------------------------------- cost bounds


def _nested(depth):
    return "(" * depth + "1" + ")" * depth


BOUND_VIOLATIONS = [
    # (text, reason fragment)
    (_nested(MAX_DEPTH + 10), "nested too deeply"),
    (_nested(2000), "nested too deeply"),  # no RecursionError from the parser
    ("[" * 500 + "]" * 500, "nested too deeply"),
    ("-" * 500 + "1", "nested too deeply"),
    ("+".join(["1"] * 200), "nested too deeply"),  # left-leaning chains built in a loop
    ("x" + ".a" * 200, "nested too deeply"),
    ("2" + " ** 2" * 200, "nested too deeply"),
    ("1" + " " * MAX_EXPRESSION_LENGTH, "expression is too long"),
]


@pytest.mark.parametrize(
    ("text", "reason"), [pytest.param(t, r, id=f"{t[:25]}…({len(t)} chars)") for t, r in BOUND_VIOLATIONS]
)
def test_compile_bounds(text, reason):
    assert reason in error_of(compile_expression, text).reason


EVALUATION_BOUNDS = [
    ("len(1..1000000) > 0", "range 1..1000000 of 1000000 elements exceeds the array budget of 100000 elements"),
    ("len(0..100000) > 0", "exceeds the array budget of 100000 elements"),
    ("count(1..100000, # > 0) > 0", f"evaluation exceeded the step budget of {MAX_STEPS} steps"),
    ("len(map(1..50000, map(1..50000, #))) > 0", "evaluation exceeded the step budget"),
    ("reduce(1..100000, #acc + 1, 0) > 0", "evaluation exceeded the step budget"),
    ("len(repeat('ab', 1000000)) > 0", "exceeds the string budget of 1000000 characters"),
    ("len(repeat(repeat('x', 1000), 1001)) > 0", "exceeds the string budget"),
    ("len(reduce(1..30, #acc + #acc, repeat('x', 1000))) > 0", "exceeds the string budget"),
    ("len(replace(repeat('a', 100000), 'a', repeat('b', 100))) > 0", "exceeds the string budget"),
    ("len(join(map(1..2000, repeat('x', 1000)))) > 0", "exceeds the string budget"),
]


@pytest.mark.parametrize(("text", "reason"), [pytest.param(t, r, id=t) for t, r in EVALUATION_BOUNDS])
def test_evaluation_bounds(text, reason):
    started = time.monotonic()
    error = error_of(evaluate_condition, text, None)
    assert reason in error.reason
    assert time.monotonic() - started < 5


def test_step_budget_error_has_no_position():
    error = error_of(evaluate_condition, "all(1..100000, # > 0)", None)
    assert error.position is None
    assert "budget" in str(error)


def test_largest_allowed_range_still_works():
    assert evaluate_condition(f"len(1..{MAX_RANGE_LENGTH}) == {MAX_RANGE_LENGTH}", None) is True


def test_nesting_just_inside_the_limit_works():
    assert evaluate_condition(_nested(MAX_DEPTH - 2) + " == 1", None) is True


def test_int_arithmetic_wraps_instead_of_growing():
    # 2**63 wraps to zero in Go's int64; Python would happily grow a huge integer.
    assert value_of("reduce(1..64, #acc * 2, 1)") == 0
    assert value_of("-9223372036854775807 - 2") == 2**63 - 1


def test_deeply_nested_result_data_is_refused_not_crashing():
    deep = [1]
    for _ in range(500):
        deep = [deep]
    assert "nested more than" in error_of(evaluate_condition, "result == result", deep).reason
    assert "nested more than" in error_of(evaluate_condition, "string(result) == ''", deep).reason


# --------------------------------------------------------------------------- budget against big inputs

SELF_CONTAINING: list = []
SELF_CONTAINING.append(SELF_CONTAINING)

BIG_INPUTS = [
    # (condition, result, reason fragment): what a measurement can hand us must not buy unbounded work
    ("all(result, # > 0)", [1] * 200_000, "step budget"),
    ("len(map(result, #)) > 0", list(range(100_001)), "step budget"),
    ("result == result", [0.5] * 2_000_000, "step budget"),
    ("result in [result]", [0.5] * 2_000_000, "step budget"),
    ("string(result) != ''", [[1] * 1000] * 1000, "step budget"),
    ("sort(result) == []", list(range(200_000)), "step budget"),
    ("len(split(result, ',')) > 0", "," * 200_000, "array budget of 100000 elements"),
    ("len(split(result, '')) > 0", "x" * 200_000, "array budget of 100000 elements"),
    ("upper(result) != ''", "x" * 1_000_001, "string budget of 1000000 characters"),
    ("result + result != ''", "x" * 600_000, "string budget"),
    ("len(reduce(1..10000, #acc + 'x', result)) > 0", "x" * 900_000, "step budget"),
    ("none(1..20000, result < result)", "x" * 1_000_000, "step budget"),
    ("trim(result, result) == ''", "a" * 200_000, "step budget"),
    ("duration(result) > duration('1s')", "1s" * 200_000, "longer than 256 characters"),
    ("none(1..1000, result contains 'x')", "y" * 1_000_000, "step budget"),
    ("any(1..1000, result matches 'x')", "y" * 1_000_000, "step budget"),
    ("max(result) > 0", [[[[1] * 10] * 100] * 100] * 100, "step budget"),
    ("result == result", SELF_CONTAINING, "nested more than 100 levels deep"),
    ("string(result) == ''", SELF_CONTAINING, "nested more than 100 levels deep"),
    ("max(result) > 0", SELF_CONTAINING, "nested more than 100 levels deep"),
    ("median(result) > 0", SELF_CONTAINING, "nested more than 100 levels deep"),
    ("len(flatten(result)) > 0", SELF_CONTAINING, "nested more than 100 levels deep"),
    ("len(uniq(result)) > 0", list(range(20_000)), "step budget"),
    ("fromJSON(result) == nil", "[" * 150 + "]" * 150, "nested more than 100 levels deep"),
    ("fromJSON(result) == nil", "[" * 100_000 + "]" * 100_000, "fromJSON: exceeded max depth"),
    ("fromJSON(result) == nil", "[" + "1," * 200_000 + "1]", "array budget of 100000 elements"),
    ("toJSON(result) == ''", SELF_CONTAINING, "nested more than 100 levels deep"),
    ("toJSON(result) == ''", [[1] * 1000] * 1000, "step budget"),
    ("toJSON(result) == ''", 10**5000, "json: unsupported value: +Inf"),
    ("len(concat(result, result)) > 0", list(range(60_000)), "array budget of 100000 elements"),
]


@pytest.mark.parametrize(
    ("text", "result", "reason"), [pytest.param(t, r, why, id=f"{t} | {why}") for t, r, why in BIG_INPUTS]
)
def test_big_inputs_stop_at_the_budget(text, result, reason):
    started = time.monotonic()
    assert reason in error_of(evaluate_condition, text, result).reason
    assert time.monotonic() - started < 5  # far from exponential, with room for a busy machine


def test_int_beyond_int64_from_input_formats_as_go_float():
    assert value_of("string(result)", result=10**5000) == "+Inf"
    assert value_of("string(result)", result=2**70) == "1.1805916207174113e+21"


SMALL_BUDGETS = [
    # (expression, budget, reason): every part of the budget can be tightened by the caller
    ("all(1..20, # > 0)", Budget(steps=10), "step budget of 10 steps"),
    ("len(repeat('x', 6))", Budget(string_length=5), "string budget of 5 characters"),
    ("len(1..4)", Budget(array_length=3), "array budget of 3 elements"),
    ("len(filter(1..4, true))", Budget(array_length=3), "array budget of 3 elements"),
    ("[[[1]]] == [[[1]]]", Budget(value_depth=2), "nested more than 2 levels deep"),
]


@pytest.mark.parametrize(("text", "budget", "reason"), [pytest.param(*row, id=row[0]) for row in SMALL_BUDGETS])
def test_caller_chooses_the_budget(text, budget, reason):
    expression = compile_expression(text)
    assert reason in error_of(expression.evaluate, {}, None, budget).reason
    expression.evaluate({})  # the default budget is generous enough


def test_condition_takes_a_budget():
    condition = compile_condition("all(result, # > 0)")
    assert condition.evaluate([1] * 50) is True
    assert "step budget of 50" in error_of(condition.evaluate, [1] * 50, Budget(steps=50)).reason
    assert evaluate_condition("all(result, # > 0)", [1] * 5, budget=Budget(steps=50)) is True


@pytest.mark.parametrize("field", ["steps", "string_length", "array_length", "value_depth"])
@pytest.mark.parametrize("value", [0, -1, 1.5, True, None])
def test_budget_refuses_nonsense(field, value):
    with pytest.raises(ValueError, match=f"Budget.{field} must be a positive integer"):
        Budget(**{field: value})
