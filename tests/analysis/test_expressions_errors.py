"""The condition language's errors: each names the expression, the column and the reason; the tree's shape; and
that no input ever escapes as anything but an ExpressionError."""

from __future__ import annotations

import contextlib
import random
import re
from pathlib import Path

import pytest
from expression_helpers import INF, NAN, error_of

from analysis import expressions
from analysis.expressions import (
    Binary,
    Call,
    ExpressionError,
    Literal,
    Member,
    Name,
    OptionalChain,
    Predicate,
    Unary,
    compile_condition,
    evaluate,
    evaluate_condition,
    parse,
)

# --------------------------------------------------------------------------- parse errors

PARSE_ERRORS = [
    # (text, 1-based column, reason fragment)
    ("result[0] >= ", 13, "unexpected end of expression"),
    ("1 +", 4, "unexpected end of expression"),
    ("(1 + 2", 7, 'unexpected end of expression (expected ")")'),
    ("[1, 2", 6, 'unexpected end of expression (expected "," or "]")'),
    ("{a: 1", 6, 'unexpected end of expression (expected "," or "}")'),
    ("len(result", 11, 'unexpected end of expression (expected "," or ")")'),
    ("[1 2]", 4, 'expected "," or "]", found number 2'),
    ("1 2", 3, "unexpected number 2"),
    ("result result", 8, 'unexpected name "result"'),
    (")", 1, 'unexpected token ")"'),
    ("1 +* 2", 4, 'unexpected token "*"'),
    ("result.", 8, "unexpected end of expression (expected a property name)"),
    ("result.'x'", 8, "expected a property name, found string 'x'"),
    ("result.1", 7, "unexpected number .1"),
    ("'abc", 1, "unterminated string literal"),
    ('x == "abc', 6, "unterminated string literal"),
    ("`abc", 1, "unterminated string literal"),
    ("'\\q'", 2, 'invalid escape sequence "\\q"'),
    ("'\\u12'", 2, 'invalid escape sequence "\\u"'),
    ("'\\u{110000}'", 2, 'invalid escape sequence "\\u"'),
    ("'\\477'", 2, 'invalid escape sequence "\\4"'),
    ("1 @ 2", 3, 'unexpected character "@"'),
    ("/* open", 1, "unterminated comment"),
    ("1abc", 1, 'invalid number literal "1abc"'),
    ("1e", 1, 'invalid number literal "1e"'),
    ("0x", 1, 'invalid number literal "0x"'),
    ("0b102", 1, 'invalid number literal "0b102"'),
    ("1__0", 1, 'invalid number literal "1__0"'),
    ("9223372036854775808", 1, "integer literal"),
    ("1e400", 1, "too large"),
    ("foo > 1", 1, 'unknown name "foo"'),
    ("result > threshold", 10, 'unknown name "threshold"'),
    ("bogus(result)", 1, 'unknown function "bogus"'),
    ("len()", 1, "len expects 1 argument, got 0"),
    ("len(1, 2)", 1, "len expects 1 argument, got 2"),
    ("split('a')", 1, "split expects 2 to 3 arguments, got 1"),
    ("max()", 1, "max expects at least 1 arguments, got 0"),
    ("all(result)", 1, "all expects 2 arguments, got 1"),
    ("# > 1", 1, "cannot use # outside a predicate"),
    (".x == 1", 1, "cannot use .field outside a predicate"),
    ("all(result, #foo > 1)", 13, 'unknown pointer "#foo"'),
    ("map(result, #acc)", 13, '"#acc" is only available inside reduce'),
    ("result ?? 1 + 2", 13, 'operator "+" and "??" cannot be mixed'),
    ("result | 3", 10, 'expected a function call after "|"'),
    ("result | len", 10, 'expected a function call after "|"'),
    ("result.size()", 8, 'method calls such as "size()" are not supported'),
    ("1 not 2", 7, 'expected in, matches, contains, startsWith or endsWith after "not"'),
    ("true ? 1", 9, 'unexpected end of expression (expected ":")'),
    ("{[1]: 2}", 2, "a map key must be a name, a string, a number"),
    ("let = 1; 2", 5, "expected a variable name after let"),
    ("let if = 1; 2", 5, 'expected a variable name after let, found name "if"'),
    ("if true { 1 }", 14, 'unexpected end of expression (expected "else")'),
    ("if true { 1 } 2", 15, 'expected "else", found number 2'),
    ("if true 1 else 2", 9, 'expected "{", found number 1'),
    ("if true { 1 } else 2", 20, 'expected "{", found number 2'),
    ("if > 1", 4, 'unexpected token ">"'),
    ("(1; 2", 6, 'unexpected end of expression (expected ")")'),
    ("all(result, # > 0; true)", 18, 'expected "," or ")", found token ";"'),
    ("1 == 2 == 3 < 4 < 'x' matches '('", 31, "missing )"),
    ("let x = 1 x", 11, 'expected ";", found name "x"'),
    ("1 in", 5, "unexpected end of expression"),
    ("and", 1, 'unexpected name "and"'),
    ("'x' matches '(unclosed'", 13, "invalid regular expression"),
    ("'x' matches '(a)\\\\1'", 13, "backreferences are not supported"),
    ("'x' matches 'a(?=b)'", 13, "lookaround assertions are not supported"),
]


@pytest.mark.parametrize(("text", "column", "reason"), [pytest.param(t, c, r, id=t) for t, c, r in PARSE_ERRORS])
def test_parse_error_names_expression_and_column(text, column, reason):
    error = error_of(compile_condition, text, "successCondition")
    assert error.position == column
    assert reason in error.reason
    assert str(error).startswith(f'successCondition "{text}" at column {column}: ')


def test_parse_error_message_matches_documented_shape():
    error = error_of(compile_condition, "result[0] >= ", "successCondition")
    assert str(error) == ('successCondition "result[0] >= " at column 13: unexpected end of expression')
    assert isinstance(error, ValueError)
    assert (error.expression, error.position, error.reason) == ("result[0] >= ", 13, "unexpected end of expression")


def test_parse_error_on_later_line_reports_line_and_column():
    error = error_of(compile_condition, "result > 1 &&\n  result <", "failureCondition")
    assert error.position == len("result > 1 &&\n  result <") + 1
    assert "at line 2, column 11: unexpected end of expression" in str(error)


@pytest.mark.parametrize("text", [pytest.param("", id="empty"), pytest.param("   ", id="blank")])
def test_empty_expression_is_an_error(text):
    error = error_of(compile_condition, text)
    assert error.reason == "expression is empty"
    assert error.position is None


def test_non_string_expression_is_an_error():
    assert "expected expression text" in error_of(compile_condition, 42).reason


# --------------------------------------------------------------------------- evaluation errors

EVALUATION_ERRORS = [
    # (condition, result, 1-based column or None, reason fragment)
    ("result[0] >= 0.95", [], 7, "index out of range: 0 (array length is 0)"),
    ("result[3] > 1", [1.0], 7, "index out of range: 3 (array length is 1)"),
    ("result[-2] > 1", [1.0], 7, "index out of range: -1 (array length is 1)"),  # as expr: the index from the end
    ("result[0] > 1", 0.5, 7, "cannot fetch 0 from float"),
    ("result.major == '1'", None, 8, "cannot fetch major from nil"),
    ("result.a.b == 1", {"a": None}, 10, "cannot fetch b from nil"),
    ("result.major == '1'", [1], 8, "cannot fetch major from array"),
    ("result['x'] == 1", "text", 7, "cannot fetch x from string"),
    ("result[true] == 1", [1], 7, "cannot use bool as an index"),
    ("result[[1]] == 1", {"a": 1}, 7, "cannot use array as a map key"),
    ("{(result): 1} == {}", [1], 3, "cannot use array as a map key"),
    ("result > 'a'", 1.5, 8, "cannot compare float with string"),
    ("result < 1", None, 8, "cannot compare nil with int"),
    ("result >= 0.95", [0.99], 8, "cannot compare array with float"),
    ("result + 1 > 0", "1", 8, "cannot apply + to string and int"),
    ("result - 1 > 0", None, 8, "cannot apply - to nil and int"),
    ("result * 2 > 0", [1], 8, "cannot apply * to array and int"),
    ("result / 2 > 0", "4", 8, "cannot apply / to string and int"),
    ("result % 2 == 0", 4.0, 8, "cannot apply % to float and int"),
    ("result % 0 == 0", 4, 8, "integer divide by zero"),
    ("result ** 2 > 0", "2", 8, "cannot apply ** to string and int"),
    ("-result > 0", "x", 1, "cannot apply unary - to string"),
    ("not result", 1.0, 1, "cannot apply not to float"),
    ("result && true", 1.0, 1, "operator and expects bool operands, got float"),
    ("false || result", "yes", 10, "operator or expects bool operands, got string"),
    ("result ? true : false", 1.0, 1, "condition of ?: must be bool, got float"),
    ("'a' in result", "abc", 5, 'operator "in" not defined on string'),
    ("result contains 'a'", 1.0, 8, "cannot apply contains to float and string"),
    ("result matches 'a'", 1.5, 8, "cannot apply matches to float and string"),
    ("'a' matches result", "a(?=b)", 5, "lookaround assertions are not supported"),
    ("'a' matches result", "(", 5, "invalid regular expression"),
    ("result..3 == []", 1.5, 7, "cannot apply .. to float and int"),
    ("len(result) > 0", 5.0, 1, "invalid argument for len (type float)"),
    ("isNaN(result)", [NAN], 1, "invalid argument for isNaN (type array)"),
    ("isInf(result)", "inf", 1, "invalid argument for isInf (type string)"),
    ("asInt(result) > 1", "1.5", 1, 'asInt: cannot parse "1.5" as int'),
    ("asInt(result) > 1", " 1", 1, "cannot parse"),
    ("asInt(result) > 1", "1_000", 1, "cannot parse"),
    ("asInt(result) > 1", "99999999999999999999", 1, "out of range"),
    ("asInt(result) > 1", NAN, 1, "asInt: cannot convert NaN to int"),
    ("asInt(result) > 1", None, 1, "invalid argument for asInt (type nil)"),
    ("asFloat(result) > 1", "abc", 1, 'asFloat: cannot parse "abc" as float'),
    ("asFloat(result) > 1", "1e400", 1, "out of range"),
    ("asFloat(result) > 1", [1.0], 1, "invalid argument for asFloat (type array)"),
    ("int(result) > 1", True, 1, "invalid argument for int (type bool)"),
    ("all(result, {# > 0.9})", 0.95, 1, "all expects an array, got float"),
    ("all(result, {# > 0.9})", None, 1, "all expects an array, got nil"),
    ("all(result, {#})", [1], 13, "predicate of all must return bool, got int"),
    ("filter(result, # > 1) == []", ["a"], 18, "cannot compare string with int"),
    ("sum(result) > 0", [1, "2"], 1, "invalid argument for sum (type string)"),
    ("max(result) > 0", ["a"], 1, "invalid argument for max (type string)"),
    ("count(result) > 0", [1], 1, "count without a predicate expects bools, got int"),
    ("reduce(result, #acc + #) > 0", [], 1, "reduce of empty array with no initial value"),
    ("sort(result) == []", [1, "a"], 1, "sort expects an array of numbers or of strings"),
    ("sort(result, 'up') == []", [1], 1, 'sort order must be "asc" or "desc"'),
    ("sortBy(result, #, 'up') == []", [1], 1, 'sortBy order must be "asc" or "desc"'),
    ("sortBy(result, #) == []", [1, "a"], 1, "sortBy expects an array of numbers or of strings"),
    ("groupBy(result, [#]) == {}", [1], 17, "cannot use array as a map key"),
    ("upper(result) == 'A'", 1, 1, "invalid argument for upper (type int)"),
    ("join(result) == ''", ["a", 1], 1, "invalid argument for join (type int)"),
    ("repeat('a', result) == ''", -1, 1, "expected a non-negative count"),
    ("keys(result) == []", [1], 1, "invalid argument for keys (type array)"),
    ("duration(result) > duration('1s')", "5d", 1, 'unknown unit "d" in duration "5d"'),
    ("duration(result) > duration('1s')", "abc", 1, 'invalid duration "abc"'),
    ("result[1:2] == []", 3, 7, "cannot slice int"),
    ("fromBase64(result) == ''", "%%%", 1, 'fromBase64: illegal base64 data in "%%%"'),
    ("bitshl(1, result) == 0", -1, 1, "bitshl: negative shift amount -1"),
    ("bitand(result, 1) == 0", 1.5, 1, "invalid argument for bitand (type float)"),
    ("fromPairs(result) == {}", [[1]], 1, "invalid pair: expected an array of 2 elements"),
    ("fromPairs(result) == {}", [[[1], 2]], 1, "cannot use array as a map key"),
    ("concat(result) == []", 1, 1, "concat expects an array, got int"),
    ("toPairs(result) == []", [1], 1, "cannot transform array to pairs"),
    ("fromJSON(result) == nil", "NaN", 1, "fromJSON: invalid character 'N' looking for beginning of value"),
    ("fromJSON(result) == nil", "[1,", 1, "fromJSON: Expecting value"),
    ("fromJSON(result) == nil", "1e400", 1, "cannot unmarshal number 1e400 into Go value of type float64"),
    ("toJSON(result) == ''", float("nan"), 1, "json: unsupported value: NaN"),
    ("toJSON(result) == ''", {1: 2}, 1, "json: unsupported type: a map whose keys are not all strings"),
]


@pytest.mark.parametrize(
    ("text", "result", "column", "reason"),
    [pytest.param(t, r, c, why, id=f"{t} | {r!r}") for t, r, c, why in EVALUATION_ERRORS],
)
def test_evaluation_error_names_operation_and_column(text, result, column, reason):
    condition = compile_condition(text, "successCondition")
    error = error_of(condition.evaluate, result)
    assert reason in error.reason
    assert error.position == column
    assert error.expression == text
    assert str(error).startswith(f'successCondition "{text}" at column {column}: ')


NOT_BOOL = [
    ("result", 0.97, "float"),
    ("result", None, "nil"),
    ("result", "true", "string"),
    ("result[0]", [1], "int"),
    ("len(result)", [], "int"),
    ("result", [True], "array"),
    ("result", {"ok": True}, "map"),
    ("filter(result, # > 0)", [1], "array"),
]


@pytest.mark.parametrize(("text", "result", "kind"), [pytest.param(t, r, k, id=f"{t} | {r!r}") for t, r, k in NOT_BOOL])
def test_condition_must_produce_bool(text, result, kind):
    error = error_of(compile_condition(text, "successCondition").evaluate, result)
    assert error.reason == f"expected bool, but got {kind}"
    assert error.position is None
    assert str(error) == f'successCondition "{text}": expected bool, but got {kind}'


def test_generic_evaluate_reports_unknown_names_at_runtime():
    assert evaluate("a + b", {"a": 1, "b": 2}) == 3
    error = error_of(evaluate, "a + missing", {"a": 1})
    assert (error.reason, error.position) == ('unknown name "missing"', 5)


# --------------------------------------------------------------------------- tree shape

TREES = [
    ("1 + 2 * 3", Binary("+", Literal(1, 0), Binary("*", Literal(2, 4), Literal(3, 8), 6), 2)),
    ("a && b || c", Binary("or", Binary("and", Name("a", 0), Name("b", 5), 2), Name("c", 10), 7)),
    ("not a in b", Binary("in", Unary("not", Name("a", 4), 0), Name("b", 9), 6)),
    ("a not in b", Unary("not", Binary("in", Name("a", 0), Name("b", 9), 6), 6)),
    ("a ^ b", Binary("**", Name("a", 0), Name("b", 4), 2)),
    ("result[0]", Member(Name("result", 0), Literal(0, 7), False, 6)),
    ("a?.b", OptionalChain(Member(Name("a", 0), Literal("b", 3), True, 3), 3)),
    ("x | len()", Call("len", (Name("x", 0),), 4)),
    (
        "all(x, # > 1)",
        Call("all", (Name("x", 4), Predicate(Binary(">", expressions.Pointer("", 7), Literal(1, 11), 9), 7)), 0),
    ),
]


@pytest.mark.parametrize(("text", "tree"), [pytest.param(t, tree, id=t) for t, tree in TREES])
def test_parse_tree(text, tree):
    assert parse(text) == tree


def test_unknown_names_only_checked_when_names_are_given():
    assert parse("anything + 1") == Binary("+", Name("anything", 0), Literal(1, 11), 9)
    assert "unknown name" in error_of(parse, "anything", {"result"}).reason


def test_let_bound_names_are_known_to_conditions():
    assert evaluate_condition("let limit = 0.9; result > limit", 0.95) is True


# --------------------------------------------------------------------------- purity


def test_package_never_evaluates_python_code():
    sources = sorted(Path(expressions.__file__).parent.rglob("*.py"))
    assert len(sources) > 10
    for path in sources:
        source = path.read_text().replace("re.compile(", "").replace("re2.compile(", "")
        assert not re.search(r"\b(eval|exec|compile)\(", source), path
        # Python's backtracking re included: every pattern runs on RE2.
        assert not re.search(r"^\s*(import|from)\s+(ast|os|subprocess|socket|io|re)\b", source, re.MULTILINE), path
    assert "Pure: no I/O, never eval" in expressions.__doc__


def test_python_syntax_is_not_accepted():
    for text in ("__import__('os')", "result.__class__", "lambda: 1", "[x for x in result]"):
        with pytest.raises(ExpressionError):
            compile_condition(text).evaluate([1])


def test_default_label_is_condition():
    assert str(error_of(evaluate_condition, "result[0]", [])).startswith('condition "result[0]"')
    assert str(error_of(evaluate, "1 +", {})).startswith('expression "1 +"')


FUZZ_PIECES = list("()[]{}.,:?#!|&=<>+-*/%^'\"` \\0123456789aex_") + [
    "result",
    " in ",
    " not ",
    "all(",
    "filter(",
    "#index",
    "nil",
    "true",
    "?.",
    "??",
    "..",
    "**",
    "let ",
    ";",
    " matches ",
    "'a+'",
    "len(",
    "map(",
    "reduce(",
    "#acc",
    "1e5",
    "0x1f",
    ".5",
    "{# > 1}",
    "asInt(",
    "string(",
    "split(",
    "if ",
    " else ",
    "`",
    "\\u{",
]
FUZZ_RESULTS = [None, 1, 2.5, NAN, INF, "abc", [1, 2.0, "x", None], {"a": {"b": [1]}}, [], True, 2**70]


@pytest.mark.parametrize("seed", range(4))
def test_random_input_only_ever_raises_expression_error(seed):
    rng = random.Random(seed)
    for _ in range(1500):
        text = "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(1, 20)))
        with contextlib.suppress(ExpressionError):
            evaluate(text, {"result": rng.choice(FUZZ_RESULTS)})
