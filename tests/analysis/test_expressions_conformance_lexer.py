"""Conformance with expr-lang/expr v1.17's lexer: what each literal spelling decodes to, as facts from expr-lang's
lexer tests."""

from __future__ import annotations

import pytest

from analysis.expressions import compile_expression

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
