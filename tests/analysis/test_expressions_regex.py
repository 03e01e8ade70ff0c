"""``matches`` follows Go's RE2: its syntax, its refusals (no backreferences, no lookaround), and linear time."""

from __future__ import annotations

import time

import pytest
from expression_helpers import error_of

from analysis.expressions import compile_condition, evaluate_condition

RE2_SEMANTICS = [
    # (text, pattern, matches?) as Go's regexp.MatchString answers
    ("abc", "b", True),  # unanchored
    ("abc", "^b", False),
    ("ABC", "(?i)abc", True),
    ("a\nb", "a.b", False),  # . excludes newline
    ("a\nb", "(?s)a.b", True),
    ("line1\nline2", "^line2$", False),  # ^ and $ are the text's ends
    ("line1\nline2", "(?m)^line2$", True),
    ("ab", "b\\z", True),
    ("x1", "^x\\d$", True),
    ("x١", "^x\\d$", False),  # \d is ASCII only, as in Go
    ("é", "^.$", True),  # one character, not two bytes
    ("é", "^\\pL$", True),
    ("日本", "^\\p{Han}+$", True),
    ("日本語", "^\\pL{1,64}$", True),  # Unicode classes make big programs: still within RE2's memory bound
    ("ab", "^[[:alpha:]]+$", True),
    ("aaa", "^a{2,3}$", True),
    ("aaaa", "^a{2,3}$", False),
    ("a", "(?P<name>a)", True),
    ("a", "(?<name>a)", True),
    ("f.o", "^\\Qf.o\\E$", True),
    ("foo", "^\\Qf.o\\E$", False),
    ("aab", "^a*?b$", True),  # lazy quantifiers exist
    ("v1.27.3", "^v1\\.2[0-9]\\.", True),
    ("", "^$", True),
]


@pytest.mark.parametrize(
    ("text", "pattern", "expected"), [pytest.param(t, p, e, id=f"{t!r} matches {p!r}") for t, p, e in RE2_SEMANTICS]
)
def test_re2_semantics(text, pattern, expected):
    env = {"result": [text, pattern]}
    assert compile_condition("result[0] matches result[1]").evaluate(env["result"]) is expected


RE2_REFUSALS = [
    # (pattern, reason fragment): what Go's regexp refuses, refused the same way, naming the pattern
    ("(a)\\1", "backreferences are not supported"),
    ("(?P<x>a)(?P=x)", "invalid"),
    ("a(?=b)", "lookaround assertions are not supported"),
    ("a(?!b)", "lookaround assertions are not supported"),
    ("(?<=a)b", "lookaround assertions are not supported"),
    ("(?<!a)b", "lookaround assertions are not supported"),
    ("(?>a)", "invalid"),  # atomic groups
    ("a++", "bad repetition operator"),  # possessive quantifiers
    ("a**", "bad repetition operator"),
    ("a{1001}", "invalid repetition size"),
    ("\\Z", "invalid escape sequence"),  # Go has \z only
    ("\\C", "invalid escape sequence"),  # C++ RE2's any-byte, which Go lacks
    ("(", "missing )"),
    ("[z-a]", "invalid character class range"),
    ("x" * 1025, "pattern longer than 1024 characters"),
]


@pytest.mark.parametrize(("pattern", "reason"), [pytest.param(p, r, id=p[:30]) for p, r in RE2_REFUSALS])
def test_re2_refusals_are_clear_errors_at_the_pattern(pattern, reason):
    text = f"'x' matches `{pattern}`"
    error = error_of(compile_condition, text, "successCondition")
    assert reason in error.reason
    assert error.reason.startswith(f'invalid regular expression "{pattern[:100]}": ')
    assert error.position == 13  # the pattern's column, checked when the condition is compiled

    at_runtime = error_of(evaluate_condition, "'x' matches result", pattern, "successCondition")
    assert reason in at_runtime.reason
    assert at_runtime.position == 5


LINEAR_TIME = [
    # (pattern, text): each would take exponential (or at least quadratic) time on a backtracking engine
    ("(a|a)*c", "a" * 100_000),
    ("^(a|a)*c$", "a" * 100_000),
    ("^(a+)+$", "a" * 100_000 + "b"),
    ("^(a|aa)*$", "a" * 100_000 + "b"),
    ("(x+x+)+y", "x" * 100_000),
    ("^(\\w+\\s?)*$", "an apple a day " * 5_000 + "!"),
]


@pytest.mark.parametrize(("pattern", "text"), [pytest.param(p, t, id=p) for p, t in LINEAR_TIME])
def test_catastrophic_patterns_run_in_linear_time(pattern, text):
    started = time.monotonic()
    assert evaluate_condition(f"result matches `{pattern}`", text) is False
    assert time.monotonic() - started < 1


def test_catastrophic_pattern_against_a_megabyte_returns_within_the_budget():
    started = time.monotonic()
    assert evaluate_condition("result matches '^(a|a)*c$'", "a" * 1_000_000) is False
    assert time.monotonic() - started < 2


def test_pattern_too_costly_for_its_text_is_refused_before_it_runs():
    # RE2's worst case is every instruction on every character: 2,000 instructions by a megabyte is too much.
    started = time.monotonic()
    error = error_of(evaluate_condition, "result matches `(\\w+\\s*){200}x`", "ab " * 350_000)
    assert "step budget" in error.reason
    assert time.monotonic() - started < 1
    assert evaluate_condition("result matches `(\\w+\\s*){200}x`", "ab " * 300) is False
