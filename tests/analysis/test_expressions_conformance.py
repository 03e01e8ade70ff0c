"""Conformance with expr-lang/expr v1.17 (the version Argo Rollouts pins): expected values taken as facts from
expr-lang's own test tables (its expr, builtin and eval tests), for what Argo's conditions use. Each row is
(expression, expected); rows that read variables use expr's test environments, rebuilt below."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analysis.expressions import ExpressionError, compile_expression

DATE = datetime(2017, 10, 23, 18, 30, tzinfo=UTC)
DAY = timedelta(hours=24)

# expr's mock.Env: the fields the rows below read.
EXPR_ENV = {
    "Int": 0,
    "Int32": 0,
    "Int64": 0,
    "Float64": 0.0,
    "Bool": True,
    "String": "string",
    "One": 1,
    "Two": 2,
    "ArrayOfInt": [1, 2, 3, 4, 5],
    "Foo": {"Value": "foo", "Bar": {"Baz": "baz"}},
    "ArrayOfFoo": [{"Value": "foo"}, {"Value": "bar"}, {"Value": "baz"}],
    "NilAny": None,
    "Time": DATE,
    "TimePlusDay": DATE + DAY,
    "Duration": DAY,
}

EXPR_TABLE = [
    # literals, logic and arithmetic: ints stay ints, / and ** are floats
    ("1", 1),
    ("-.5", -0.5),
    ("true && false || false", False),
    ('Int == 0 && Int32 == 0 && Int64 == 0 && Float64 == 0 && Bool && String == "string"', True),
    ("-Int64 == 0", True),
    ('"a" != "b" || 1 == 2', True),
    ("Int + 0", 0),
    ("Float64 + 0", 0.0),
    ("0 + Float64", 0.0),
    ("0 <= Float64", True),
    ("Float64 < 1", True),
    ("2 + 2 == 4", True),
    ("8 % 3", 2),
    ("2 ** 8", 256.0),
    ("2 ^ 8", 256.0),
    ("-(2-5)**3-2/(+4-3)+-2", 23.0),
    ("2^3 == 8", True),
    ("4/2 == 2", True),
    ('"hello" + " " + "world"', "hello world"),
    ("(One * Two) * 3 == One * (Two * 3)", True),
    ("(true ? 0+1 : 2+3) + (false ? -1 : -2)", -1),
    ("1 /* one */ + 2 // two", 3),
    # membership and ranges
    ("0 in -1..1 and 1 in 1..1", True),
    ("Int in 0..1", True),
    ('1 in [1, 2, 3] && "foo" in {foo: 0, bar: 1}', True),
    ("1 in [1.5] || 1 not in [1]", False),
    ("One in 0..1 && Two not in 0..1", True),
    ("Two not    in 0..1", True),
    ("-1 not in [1]", True),
    ("Int32 in [10, 20]", False),
    ("4 in 5..1", False),
    ("4..0", []),
    ("(0..10)[5]", 5),
    (".5 in 0..1", False),
    (".5 in ArrayOfInt", False),
    # string operators
    ('String matches "s.+"', True),
    ('String matches ("^" + String + "$")', True),
    ("'foo' + 'bar' not matches 'foobar'", False),
    ('"foobar" contains "bar"', True),
    ('"foobar" startsWith "foo"', True),
    ('"foobar" endsWith "bar"', True),
    ('"a" < "b"', True),
    # nil on either side of a string operator is false, not an error (expr's vm)
    ('NilAny == "str"', False),
    ('NilAny contains "str"', False),
    ('NilAny matches "str"', False),
    ('NilAny startsWith "str"', False),
    ('NilAny endsWith "str"', False),
    ('"str" contains NilAny', False),
    ('"str" matches NilAny', False),
    ('"str" startsWith NilAny', False),
    ('"str" endsWith NilAny', False),
    # comparison chains: only < > <= >= chain; == applies to the chain's result
    ("1 > 2 < 3", False),
    ("1 < 2 < 3", True),
    ("1 < 2 < 3 > 4", False),
    ("1 < 2 < 3 > 2", True),
    ("1 < 2 < 3 == true", True),
    # members, indexes and slices
    ("Foo.Bar.Baz", "baz"),
    ("ArrayOfInt[1]", 2),
    ("ArrayOfInt[0] < ArrayOfInt[1]", True),
    ("ArrayOfInt[-1]", 5),
    ("ArrayOfInt[1:2]", [2]),
    ("ArrayOfInt[1:4]", [2, 3, 4]),
    ("ArrayOfInt[-4:-1]", [2, 3, 4]),
    ("ArrayOfInt[:3]", [1, 2, 3]),
    ("ArrayOfInt[3:]", [4, 5]),
    ("ArrayOfInt[0:5] == ArrayOfInt", True),
    ("ArrayOfInt[:] == ArrayOfInt", True),
    ("String[:]", "string"),
    ("String[:3]", "str"),
    ("String[:9]", "string"),
    ("String[3:9]", "ing"),
    ("String[7:9]", ""),
    ('"hello"[1:3]', "el"),
    ("[1, 2, 3][:99]", [1, 2, 3]),
    ("[1, 2, 3][99:]", []),
    ("[1, 2, 3][:-99]", []),
    ("[1, 2, 3][-99:]", [1, 2, 3]),
    ("[1, 2, 3]?.[0]", 1),
    ("[[1, 2], 3, 4]?.[0]?.[1]", 2),
    ("[nil, 3, 4]?.[0]?.[1]", None),
    # nil
    ("NilAny == nil && nil == NilAny && nil == nil && NilAny == NilAny", True),
    ('0 == nil || "str" == nil || true == nil', False),
    # builtins and closures
    ("len([1, 2, 3])", 3),
    ("len([1, Two, 3])", 3),
    ('len("hello, world")', 12),
    ("len('北京')", 2),
    ("len(ArrayOfInt)", 5),
    ("len({a: 1, b: 2, c: 2})", 3),
    ("max([1, 2, 3])", 3),
    ("max(1, 2, 3)", 3),
    ("min([1, 2, 3])", 1),
    ("min(1, 2, 3)", 1),
    ("{foo: 0, bar: 1}", {"foo": 0, "bar": 1}),
    ("filter(1..9, {# > 7})", [8, 9]),
    ("map(1..3, {# * #})", [1, 4, 9]),
    ("all(1..3, {# > 0})", True),
    ("count(1..30, {# % 3 == 0})", 10),
    ("count([true, true, false])", 2),
    ("map(filter(ArrayOfInt, # >= 3), # + 1)", [4, 5, 6]),
    ("len(filter(1..99, # % 7 == 0))", 14),
    ('find(ArrayOfFoo, .Value == "baz")', {"Value": "baz"}),
    ('findIndex(ArrayOfFoo, .Value == "baz")', 2),
    ('filter(ArrayOfFoo, .Value == "baz")[0]', {"Value": "baz"}),
    ("first(filter(ArrayOfFoo, false))", None),
    ("findLast(1..9, # % 2 == 0)", 8),
    ("findLastIndex(1..9, # % 2 == 0)", 7),
    ("filter(1..9, # % 2 == 0)[-1]", 8),
    ("last(filter(1..9, # % 2 == 0))", 8),
    ("map(map(filter(1..9, # % 2 == 0), # * 2), # * 2)", [8, 16, 24, 32]),
    ("first(map(filter(1..9, # % 2 == 0), # * 2))", 4),
    ("len(filter(map(1..9, # * 2), # % 2 == 0))", 9),
    # let
    ("let x = 1; x + 2", 3),
    ("map(1..3, let x = #; let y = x * x; y * y)", [1, 16, 81]),
    ("map(1..2, let x = #; map(2..3, let y = #; x + y))", [[3, 4], [4, 5]]),
    # if/else and sequences
    ("if 1 > 2 { 333 * 2 + 1 } else { 444 }", 444),
    ('if "a" < "b" {let x = "a"; x} else {"abc"}', "a"),
    ('if 1 == 2 { "no" } else if 1 == 1 { "yes" } else { "maybe" }', "yes"),
    ("1; 2; 3", 3),
    ("let a = 1; len([2]); let b = 2; a + b", 3),
    # time and durations
    ("Time < Time + Duration", True),
    ("Time + Duration > Time", True),
    ("Time == Time", True),
    ("Time >= Time", True),
    ("Time == Time + Duration", False),
    ("Time != Time", False),
    ("TimePlusDay - Duration", DATE),
    ('duration("1h") == duration("1h")', True),
    ('TimePlusDay - Time >= duration("24h")', True),
    ('duration("1h") > duration("1m")', True),
    ('duration("1h") <= duration("1m")', False),
    ('duration("1h") + duration("1m")', timedelta(hours=1, minutes=1)),
    ('duration("1h") - duration("1m")', timedelta(minutes=59)),
    ('7 * duration("1h")', timedelta(hours=7)),
    ('duration("1h") * 7', timedelta(hours=7)),
    ('duration("1s") * .5', 5e8),  # Go: Duration * float is a float of nanoseconds
    ("type(Time)", "time.Time"),
    ("type(Duration)", "time.Duration"),
    ("string(Time)", "2017-10-23 18:30:00 +0000 UTC"),
    ("string(Time + duration('1.5s'))", "2017-10-23 18:30:01.5 +0000 UTC"),
    ("string(Duration)", "24h0m0s"),
]


# expr's lexer tests: what each literal spelling decodes to.
LEXER_TABLE = [
    (".5", 0.5),
    ("0.025", 0.025),
    ("02", 2),
    ("1e3", 1000.0),
    ("0xFF", 255),
    ("0b0101", 5),
    ("0o600", 384),
    ("1.2e-4", 0.00012),
    ("1_000_000", 1_000_000),
    ("-.5", -0.5),
    ('"abc \\n\\t\\"\\\\"', 'abc \n\t"\\'),
    ("'\"\\''", "\"'"),
    ('"\\xC3\\xBF\\u263A\\U000003A8"', "Ã¿☺Ψ"),  # \x is a code point, not a byte
    ("'❤️'", "❤️"),
    ("`hello\n\tworld`", "hello\n\tworld"),
    ("`hello\"world'`", "hello\"world'"),
    ("``", ""),
    ("`a``b`", "a`b"),  # a doubled backtick stands for one
    ("````", "`"),
    ("```a````b```", "`a``b`"),
    ("`````b```", "``b`"),
    ('"\\u{61}\\u{1F600}"', "a😀"),
    ("'\\u{61}\\u{1F600}'", "a😀"),
    ("'\\`\\?'", "`?"),
    ("'\\XFF'", "ÿ"),
    ("'\\ud800'", "\ufffd"),  # a surrogate becomes the replacement character, as Go writes it
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in LEXER_TABLE])
def test_expr_lang_literal(text, expected):
    got = compile_expression(text).evaluate({})
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in EXPR_TABLE])
def test_expr_lang_expression(text, expected):
    got = compile_expression(text).evaluate(EXPR_ENV)
    assert got == expected
    assert type(got) is type(expected)


# The environment of expr's builtin tests (Go's int32 arrays read as plain ints here).
BUILTIN_ENV = {
    "ArrayOfString": ["foo", "bar", "baz"],
    "ArrayOfInt": [1, 2, 3],
    "ArrayOfFloat": [1.5, 2.5, 3.5],
    "ArrayOfAny": [1, "2", True],
    "EmptyIntArray": [],
    "EmptyFloatArray": [],
    "NestedIntArrays": [[1, 2], [3, 4]],
    "MixedNestedArray": [1, [2, 3], [4.0, 5.0]],
}

BUILTIN_TABLE = [
    ("len(1..10)", 10),
    ("len({foo: 1, bar: 2})", 2),
    ('len("hello")', 5),
    ("abs(-5)", 5),
    ("abs(.5)", 0.5),
    ("abs(-.5)", 0.5),
    ("ceil(5.5)", 6.0),
    ("ceil(5)", 5.0),
    ("floor(5.5)", 5.0),
    ("floor(5)", 5.0),
    ("round(5.5)", 6.0),
    ("round(5)", 5.0),
    ("round(5.49)", 5.0),
    ("int(5.5)", 5),
    ("int(5)", 5),
    ('int("5")', 5),
    ("float(5)", 5.0),
    ("float(5.5)", 5.5),
    ('float("5.5")', 5.5),
    ("string(5)", "5"),
    ("string(5.5)", "5.5"),
    ('string("5.5")', "5.5"),
    ('trim("  foo  ")', "foo"),
    ('trim("__foo___", "_")', "foo"),
    ('trimPrefix("prefix_foo", "prefix_")', "foo"),
    ('trimSuffix("foo_suffix", "_suffix")', "foo"),
    ('upper("foo")', "FOO"),
    ('lower("FOO")', "foo"),
    ('split("foo,bar,baz", ",")', ["foo", "bar", "baz"]),
    ('split("foo,bar,baz", ",", 2)', ["foo", "bar,baz"]),
    ('replace("foo,bar,baz", ",", ";")', "foo;bar;baz"),
    ('replace("foo,bar,baz,goo", ",", ";", 2)', "foo;bar;baz,goo"),
    ('repeat("foo", 3)', "foofoofoo"),
    ('join(ArrayOfString, ",")', "foo,bar,baz"),
    ("join(ArrayOfString)", "foobarbaz"),
    ('indexOf("foo,bar,baz", ",")', 3),
    ('lastIndexOf("foo,bar,baz", ",")', 7),
    ('hasPrefix("foo,bar,baz", "foo")', True),
    ('hasSuffix("foo,bar,baz", "baz")', True),
    ("max(1.5, 2.5, 3.5)", 3.5),
    ("max([1.5, 2.5, 3.5])", 3.5),
    ("max([1, 2, 4, 10], 20, [29, 23, -19])", 29),
    ("min([1, 2, 4, 10], 20, [29, 23, -19])", -19),
    ("min(1.5, 2.5, 3.5)", 1.5),
    ("min(-1, [1.5, 2.5, 3.5])", -1),
    ("max(ArrayOfInt)", 3),
    ("min(ArrayOfFloat)", 1.5),
    ("max(EmptyIntArray, 5)", 5),
    ("min(EmptyFloatArray, 5)", 5),
    ("max(NestedIntArrays)", 4),
    ("min(NestedIntArrays)", 1),
    ("max(MixedNestedArray)", 5.0),
    ("min(MixedNestedArray)", 1),
    ("sum(1..9)", 45),
    ("sum([.5, 1.5, 2.5])", 4.5),
    ("sum([])", 0),
    ("sum([1, 2, 3.0, 4])", 10.0),
    ("mean(1..9)", 5.0),
    ("mean([.5, 1.5, 2.5])", 1.5),
    ("mean([])", 0.0),
    ("mean([1, 2, 3.0, 4])", 2.5),
    ("mean(10, [1, 2, 3], 1..9)", 4.6923076923076925),
    ("mean(-10, [1, 2, 3, 4])", 0.0),
    ("mean(10.9, 1..9)", 5.59),
    ("mean(NestedIntArrays)", 2.5),
    ("mean(MixedNestedArray)", 3.0),
    ("median(1..9)", 5.0),
    ("median([])", 0.0),
    ("median([1, 2, 3, 4])", 2.5),
    ("median(10, [1, 2, 3], 1..9)", 4.0),
    ("median(-10, [1, 2, 3, 4])", 2.0),
    ("median(1..5, 4.9)", 3.5),
    ("median(MixedNestedArray)", 3.0),
    ('duration("1h")', timedelta(hours=1)),
    ("first(ArrayOfString)", "foo"),
    ("first(ArrayOfAny)", 1),
    ("first([])", None),
    ("last(ArrayOfAny)", True),
    ("last([])", None),
    ("get(ArrayOfString, 1)", "bar"),
    ("get(ArrayOfString, 99)", None),
    ("get(ArrayOfInt, -1)", 3),
    ("get(ArrayOfAny, 1)", "2"),
    ('get({foo: 1, bar: 2}, "foo")', 1),
    ('get({foo: 1, bar: 2}, "unknown")', None),
    ("take(ArrayOfString, 2)", ["foo", "bar"]),
    ("take(ArrayOfString, 99)", ["foo", "bar", "baz"]),
    ('"foo" in keys({foo: 1, bar: 2})', True),
    ("1 in values({foo: 1, bar: 2})", True),
    ("reduce(1..9, # + #acc, 0)", 45),
    ("reduce(1..9, # + #acc)", 45),
    ("reduce([.5, 1.5, 2.5], # + #acc, 0)", 4.5),
    ("reduce([], 5, 0)", 0),
    ("reduce(10..1, # + #acc, 100)", 100),
    ("reduce([], # + #acc, 42)", 42),
    ('splitAfter("foo,bar,baz", ",")', ["foo,", "bar,", "baz"]),
    ('splitAfter("foo,bar,baz", ",", 2)', ["foo,", "bar,baz"]),
    ('toBase64("hello")', "aGVsbG8="),
    ('fromBase64("aGVsbG8=")', "hello"),
    ("len(toPairs({foo: 1, bar: 2}))", 2),
    ("len(toPairs({}))", 0),
    ('fromPairs([["foo", 1], ["bar", 2]])', {"foo": 1, "bar": 2}),
    ("fromPairs(toPairs({foo: 1, bar: 2}))", {"foo": 1, "bar": 2}),
    ("concat(ArrayOfString, ArrayOfInt)", ["foo", "bar", "baz", 1, 2, 3]),
    ('flatten([["a", "b"], [1, 2]])', ["a", "b", 1, 2]),
    ('flatten([["a", "b"], [1, 2, [3, 4]]])', ["a", "b", 1, 2, 3, 4]),
    ('flatten([["a", "b"], [1, 2, [3, [[[["c", "d"], "e"]]], 4]]])', ["a", "b", 1, 2, 3, "c", "d", "e", 4]),
    ('uniq([1, 15, "a", 2, 3, 5, 2, "a", 2, "b"])', [1, 15, "a", 2, 3, 5, "b"]),
    ('uniq([[1, 2], "a", 2, 3, [1, 2], [1, 3]])', [[1, 2], "a", 2, 3, [1, 3]]),
    ("groupBy(1..9, # % 2)", {0: [2, 4, 6, 8], 1: [1, 3, 5, 7, 9]}),
    ("groupBy(1..9, # % 2)[0]", [2, 4, 6, 8]),
    ("groupBy(1..3, # > 1)[true]", [2, 3]),
    ('groupBy(1..3, # > 1 ? nil : "")[nil]', [2, 3]),
    ('sortBy([{"id": 3}, {"id": 1}, {"id": 2}], #.id)', [{"id": 1}, {"id": 2}, {"id": 3}]),
    ('sortBy([{"id": 3}, {"id": 1}, {"id": 2}], #.id, "desc")', [{"id": 3}, {"id": 2}, {"id": 1}]),
    ("sortBy([1, 2, 3, 4], # % 2)", [2, 4, 1, 3]),
    ('groupBy([1, 2, 3, 4, 5, 6], # % 2 == 0 ? "even" : "odd")', {"odd": [1, 3, 5], "even": [2, 4, 6]}),
    ("toJSON({foo: 1, bar: 2})", '{\n  "bar": 2,\n  "foo": 1\n}'),
    ('fromJSON("[1, 2, 3]")', [1.0, 2.0, 3.0]),
    ("bitnot(10)", -11),
    ("bitxor(15, 32)", 47),
    ("bitand(90, 34)", 2),
    ("bitnand(35, 9)", 34),
    ("bitor(10, 5)", 15),
    ("bitshr(7, 2)", 1),
    ("bitshl(7, 2)", 28),
    ("bitushr(-100, 5)", 576460752303423484),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in BUILTIN_TABLE])
def test_expr_lang_builtin(text, expected):
    got = compile_expression(text).evaluate(BUILTIN_ENV)
    assert got == expected
    assert type(got) is type(expected)


# expr's error tests: the message (column aside) says the same thing.
ERRORS = [
    ("filter(1..9, # > 9)[0]", "index out of range: 0 (array length is 0)"),
    ("[1, '2', 3, true][-7]", "index out of range: -3 (array length is 4)"),
    ("reduce(10..1, # + #acc)", "reduce of empty array with no initial value"),
]


@pytest.mark.parametrize(("text", "reason"), [pytest.param(t, r, id=t) for t, r in ERRORS])
def test_expr_lang_error(text, reason):
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text).evaluate(BUILTIN_ENV)
    assert reason in caught.value.reason
