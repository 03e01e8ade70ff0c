"""Table tests for analysis.expressions, the expr-lang condition language: Argo's conditions, literals, operators,
NaN and member access."""

from __future__ import annotations

import math

import pytest
from expression_helpers import DOCUMENT, INF, NAN, value_of

from analysis.expressions import Condition, compile_condition, evaluate, evaluate_condition

# --------------------------------------------------------------------------- Argo conditions

ARGO_CONDITIONS = [
    # (condition, result, verdict)
    ("result[0] >= 0.95", [0.97], True),
    ("result[0] >= 0.95", [0.5, 0.99], False),
    ("result[0] >= 0.95", [NAN], False),
    ("len(result) == 0 || result[0] < 5", [], True),
    ("len(result) == 0 || result[0] < 5", [7.0], False),
    ("isNaN(result) || result >= 0.95", NAN, True),
    ("isNaN(result) || result >= 0.95", 0.96, True),
    ("isNaN(result) || result >= 0.95", 0.5, False),
    ("default(result, 0) < 0.05", None, True),
    ("default(result, 0) < 0.05", 0.2, False),
    ("result == 'true'", "true", True),
    ("result == 'true'", True, False),
    ("asInt(result) > 3", "4", True),
    ("asInt(result) > 3", 3.9, False),
    ("asFloat(result) > 0.5", "0.75", True),
    ("all(result, {# > 0.9})", [0.95, 0.99], True),
    ("all(result, {# > 0.9})", [0.95, 0.2], False),
    ("all(result, {# > 0.9})", [], True),
    ("all(result, # > 0.9)", [0.91], True),
    ("result.major == '1'", {"major": "1", "minor": "27"}, True),
    ("result.major == '1'", {"minor": "27"}, False),
    ('result.status == "ok" and result.count >= 3', {"status": "ok", "count": 3.0}, True),
    ('result.status == "ok" and result.count >= 3', {"status": "ok", "count": 2.0}, False),
    ('result.status == "ok" and result.count >= 3', {"status": "down"}, False),
    ("not (result < 1)", 1.0, True),
    ("not (result < 1)", 0.5, False),
    ("result in [1, 2, 3]", 2.0, True),
    ("result in [1, 2, 3]", 4.0, False),
    ("any(result, {# < 0})", [1.0, -1.0], True),
    ("any(result, {# < 0})", [], False),
    ("result[0] > 0.99 ? true : false", [1.0], True),
    ("result[0] > 0.99 ? true : false", [0.5], False),
    ("len(filter(result, {# > 1})) == 2", [1.0, 2.0, 3.0], True),
    ("len(filter(result, {# > 1})) == 2", [1.0, 2.0], False),
    ("isInf(result)", INF, True),
    ("isInf(result)", -INF, True),
    ("isInf(result)", 1e308, False),
    ("isNil(result)", None, True),
    ("isNil(result)", 0, False),
    ('"foo" matches "^f"', None, True),
    ("result matches '^v1\\\\.'", "v1.2", True),
    ("sum(result) / len(result) > 0.5", [1.0, 0.5], True),
    ("sum(result) / len(result) > 0.5", [0.0, 0.5], False),
    ("sum(result) / len(result) > 0.5", [], False),  # 0/0 is NaN, as in expr
    ("result.items[0].value >= 10", {"items": [{"value": 10.0}]}, True),
    ("result.items[0].value >= 10", {"items": [{"value": 9.5}]}, False),
    ("result == nil", None, True),
    ("result != nil && result > 0", 1.0, True),
    ("result > 0.5", 1, True),
    ("result == 1", 1.0, True),
    ("$env.result > 0.5", 0.7, True),  # expr's name for the whole environment
]


@pytest.mark.parametrize(
    ("text", "result", "verdict"),
    [pytest.param(text, result, verdict, id=f"{text} | {result!r}") for text, result, verdict in ARGO_CONDITIONS],
)
def test_argo_condition(text, result, verdict):
    assert evaluate_condition(text, result) is verdict


def test_compiled_condition_is_reusable_across_measurements():
    condition = compile_condition("result[0] >= 0.95", label="successCondition")
    assert isinstance(condition, Condition)
    assert condition.text == "result[0] >= 0.95"
    assert [condition.evaluate([v]) for v in (0.1, 0.95, 1.0)] == [False, True, True]


# --------------------------------------------------------------------------- literals

LITERALS = [
    ("42", 42),
    ("0", 0),
    ("007", 7),
    ("1_000_000", 1_000_000),
    ("0x2A", 42),
    ("0X2a", 42),
    ("0o52", 42),
    ("0b101010", 42),
    ("9223372036854775807", 2**63 - 1),
    ("0.5", 0.5),
    (".5", 0.5),
    ("1e3", 1000.0),
    ("1E3", 1000.0),
    ("1.5e-3", 0.0015),
    ("2.5E+2", 250.0),
    ('"double"', "double"),
    ("'single'", "single"),
    ("''", ""),
    ("'it\\'s'", "it's"),
    ('"say \\"hi\\""', 'say "hi"'),
    ("'tab\\tnew\\nline'", "tab\tnew\nline"),
    ("'back\\\\slash'", "back\\slash"),
    ("'\\u00e9t\\u00E9'", "été"),
    ("'\\x41\\101'", "AA"),
    ("'\\U0001F600'", "\U0001f600"),
    ("'été'", "été"),
    ("`raw \\n string`", "raw \\n string"),
    ("true", True),
    ("false", False),
    ("nil", None),
    ("[]", []),
    ("[1, 'a', nil, true]", [1, "a", None, True]),
    ("[1, 2,]", [1, 2]),
    ("[[1], [2, [3]]]", [[1], [2, [3]]]),
    ("{}", {}),
    ("{a: 1, 'b c': 2, \"d\": 3}", {"a": 1, "b c": 2, "d": 3}),
    ("{1: 'one'}", {"1": "one"}),  # bare number keys are strings, as in expr
    ("{(1 + 1): 'two'}", {2: "two"}),
    ("{a: {b: [1]},}", {"a": {"b": [1]}}),
    ("1 // trailing comment", 1),
    ("/* leading */ 2", 2),
    ("1 + /* inline */ 2", 3),
    ("  \n 7 \t ", 7),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in LITERALS])
def test_literal(text, expected):
    got = value_of(text)
    assert got == expected
    assert type(got) is type(expected)


# --------------------------------------------------------------------------- operators

OPERATORS = [
    # arithmetic: ints stay ints, / is always float
    ("1 + 2", 3),
    ("1 + 2.5", 3.5),
    ("7 - 10", -3),
    ("3 * 4", 12),
    ("3 * 0.5", 1.5),
    ("7 / 2", 3.5),
    ("6 / 3", 2.0),
    ("1 / 0", INF),
    ("-1 / 0", -INF),
    ("1.0 / 0.0", INF),
    ("7 % 3", 1),
    ("-7 % 3", -1),  # Go: the remainder takes the dividend's sign
    ("7 % -3", 1),
    ("2 ** 10", 1024.0),
    ("2 ^ 10", 1024.0),
    ("2 ** 3 ** 2", 512.0),  # right associative
    ("2 ** -1", 0.5),
    ("10 ** 400", INF),
    ("0 ** -1", INF),
    ("-2 ** 2", -4.0),  # ** binds tighter than unary minus
    ("1 + 2 * 3", 7),
    ("(1 + 2) * 3", 9),
    ("10 - 2 - 3", 5),
    ("2 * 3 % 4", 2),
    ("-3", -3),
    ("+3", 3),
    ("- -3", 3),
    ("-(1.5)", -1.5),
    ("9223372036854775807 + 1", -(2**63)),  # Go int64 wrap-around
    ("'foo' + 'bar'", "foobar"),
    # comparisons
    ("1 == 1.0", True),
    ("1 != 1.0", False),
    ("2 > 1.5", True),
    ("2 >= 2", True),
    ("1 < 2", True),
    ("1 <= 0.5", False),
    ("'a' < 'b'", True),
    ("'abc' >= 'abd'", False),
    ("1 < 2 < 3", True),  # chained comparisons mean a < b and b < c
    ("1 < 3 < 2", False),
    ("3 > 2 >= 2", True),
    ("'1' == 1", False),
    ("true == 1", False),
    ("nil == 0", False),
    ("nil == nil", True),
    ("nil != 1", True),
    ("[1, 2] == [1.0, 2]", True),
    ("[1, 2] == [2, 1]", False),
    ("{a: 1} == {a: 1.0}", True),
    ("{a: 1} == {a: 1, b: 2}", False),
    ("true == true", True),
    # logic
    ("true && false", False),
    ("true and true", True),
    ("false || true", True),
    ("false or false", False),
    ("!true", False),
    ("not false", True),
    ("not true or true", True),  # not binds tighter than or
    ("true || 1 / 'x'", True),  # short-circuit: the right side never runs
    ("false && 1 / 'x'", False),
    ("true or false and false", True),  # and binds tighter than or
    # membership and strings
    ("2 in [1, 2, 3]", True),
    ("2.0 in [1, 2, 3]", True),
    ("'2' in [1, 2, 3]", False),
    ("4 not in [1, 2, 3]", True),
    ("'a' in {a: 1}", True),
    ("'z' in {a: 1}", False),
    ("'z' not in {a: 1}", True),
    ("1 in nil", False),
    ("[1] in [[1], [2]]", True),
    ("'hello world' contains 'o w'", True),
    ("'hello' not contains 'z'", True),
    ("'hello' startsWith 'he'", True),
    ("'hello' endsWith 'lo'", True),
    ("'hello' not startsWith 'lo'", True),
    ("'v1.27.3' matches '^v1\\\\.2[0-9]'", True),
    ("'abc' matches 'b'", True),  # unanchored, like Go's MatchString
    ("'abc' not matches '^b'", True),
    # ternary, nil coalescing
    ("true ? 1 : 2", 1),
    ("false ? 1 : 2", 2),
    ("false ? 1 : true ? 2 : 3", 2),
    ("1 > 2 ? 'big' : 'small'", "small"),
    ("true ?: false", True),
    ("nil ?? 5", 5),
    ("0 ?? 5", 0),
    ("nil ?? nil ?? 'x'", "x"),
    ("1 + (nil ?? 2)", 3),
    # ranges
    ("1..3", [1, 2, 3]),
    ("3..1", []),
    ("-1..1", [-1, 0, 1]),
    ("2 in 1..3", True),
    # pipe and let
    ("[3, 1, 2] | sort() | first()", 1),
    ("'A B' | lower() | split(' ')", ["a", "b"]),
    ("1..5 | filter(# % 2 == 1) | sum()", 9),
    ("let x = 2; x * 3", 6),
    ("let x = 2; let y = x + 1; x * y", 6),
    ("let x = 1; [x, let x = 2; x]", [1, 2]),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in OPERATORS])
def test_operator(text, expected):
    got = value_of(text)
    assert got == expected
    assert type(got) is type(expected)


NAN_RESULTS = [
    "0 / 0",
    "0.0 / 0",
    "(-8) ** (1.0 / 3)",
    "float('NaN')",
    "asFloat('nan') + 1",
]


@pytest.mark.parametrize("text", [pytest.param(t, id=t) for t in NAN_RESULTS])
def test_nan_result(text):
    assert math.isnan(value_of(text))


NAN_COMPARISONS = [
    ("result >= 0.95", False),
    ("result < 0.95", False),
    ("result == result", False),
    ("result != result", True),
    ("[result] == [result]", False),
    ("result in [result]", False),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in NAN_COMPARISONS])
def test_nan_follows_ieee(text, expected):
    assert evaluate_condition(text, NAN) is expected


# --------------------------------------------------------------------------- member access


MEMBERS = [
    ("doc.name", "web"),
    ("doc['name']", "web"),
    ("doc.labels.app", "web"),
    ("doc['labels']['tier']", "front"),
    ("doc.missing", None),  # a missing key reads as nil, like a Go map
    ("doc.missing == nil", True),
    ("doc['with space']", 5),
    ("doc.items[1].value", 20.0),
    ("doc.items[-1].value", 20.0),
    ("doc.items[-2].ok", True),
    ("doc.items[1.9].value", 20.0),  # float indexes truncate
    ("doc.items[0:1]", [{"value": 1.0, "ok": True}]),
    ("[1, 2, 3, 4, 5][1:4]", [2, 3, 4]),
    ("[1, 2, 3, 4, 5][1:-1]", [2, 3, 4]),
    ("[1, 2, 3, 4, 5][:3]", [1, 2, 3]),
    ("[1, 2, 3, 4, 5][3:]", [4, 5]),
    ("[1, 2, 3, 4, 5][:]", [1, 2, 3, 4, 5]),
    ("[1, 2, 3][5:9]", []),
    ("[1, 2, 3][2:1]", []),
    ("[1, 2, 3][-10:2]", [1, 2]),
    ("'hello'[1:3]", "el"),
    ("'hello'[0]", "h"),
    ("'hello'[-1]", "o"),
    ("doc.nothing?.deeper", None),
    ("doc.nothing?.deeper.deepest", None),  # ?. short-circuits the whole chain
    ("doc.nothing?.[0]", None),
    ("doc?.labels?.app", "web"),
    ("doc.nothing?.x ?? 'fallback'", "fallback"),
    ("doc.labels.in", None),  # keywords are fine as property names
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in MEMBERS])
def test_member_access(text, expected):
    assert evaluate(text, {"doc": DOCUMENT}) == expected


def test_tuples_read_like_arrays():
    assert evaluate_condition("result[1] == 2 and len(result) == 3", (1, 2, 3)) is True
    assert evaluate("result[0:2]", {"result": (1, 2, 3)}) == [1, 2]
