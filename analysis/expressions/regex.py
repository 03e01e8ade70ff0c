"""Regular expressions for ``matches``: Go's RE2 syntax on a linear-time engine, so no pattern can backtrack.

Python's ``re`` backtracks (``^(a|a)*c$`` takes exponential time); RE2 runs in time linear in the text, refuses
what Go refuses (backreferences, lookaround) and bounds the memory a compiled pattern may take.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]  # google-re2 ships no type hints

from .cost import MAX_PATTERN_LENGTH

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the reason goes into our error, not to stderr
# Bytes a compiled pattern (program and matching cache) may take; cached patterns stay bounded in memory.
_OPTIONS.max_mem = 2 << 20  # enough for ^\pL{1,64}$, whose UTF-8 program has 76,611 instructions


class Pattern:
    """A compiled pattern, searched anywhere in the text like Go's ``MatchString``."""

    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled

    @property
    def program_size(self) -> int:
        """Instructions in the compiled program: what one character of text may cost to match."""
        return int(self._compiled.programsize)

    def search(self, text: str) -> bool:
        return self._compiled.search(text) is not None


def fixed_pattern(pattern: str) -> Any:
    """One of the language's own patterns (Go's number and duration syntax), on the same linear-time engine."""
    return re2.compile(pattern, _OPTIONS)


@lru_cache(maxsize=64)
def compile_pattern(pattern: str) -> Pattern | str:
    """The compiled pattern, or the reason it is refused (cached either way)."""
    shown = pattern[:100]
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f'invalid regular expression "{shown}": pattern longer than {MAX_PATTERN_LENGTH} characters'
    refusal = _unsupported_in_go(pattern)
    if refusal is None:
        try:
            return Pattern(re2.compile(pattern, _OPTIONS))
        except re2.error as problem:
            refusal = _reason(problem)
    return f'invalid regular expression "{shown}": {refusal}'


def _unsupported_in_go(pattern: str) -> str | None:
    """C++ RE2 accepts ``\\C`` (any byte), which Go's regexp does not."""
    index = pattern.find("\\")
    while index >= 0:
        if pattern[index + 1 : index + 2] == "C":
            return "invalid escape sequence: \\C"
        index = pattern.find("\\", index + 2)
    return None


def _reason(problem: Exception) -> str:
    detail = problem.args[0] if problem.args else str(problem)
    text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
    if text.startswith("invalid perl operator: (?=") or text.startswith("invalid perl operator: (?!"):
        return f"lookaround assertions are not supported ({text})"
    if text.startswith("invalid perl operator: (?<=") or text.startswith("invalid perl operator: (?<!"):
        return f"lookaround assertions are not supported ({text})"
    if text.startswith("invalid escape sequence: \\") and text[-1:].isdigit():
        return f"backreferences are not supported ({text})"
    return text
