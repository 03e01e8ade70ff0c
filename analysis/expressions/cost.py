"""What an expression may cost: fixed limits on the source, and a budget that every evaluation pays into.

Each node visit, closure iteration and element walked by Python code costs a step, and native work is charged by
size (``ELEMENTS_PER_STEP`` elements or ``CHARACTERS_PER_STEP`` characters a step), so no input -- however long
the result, however deep the data -- buys more work than the budget allows. The budget counts work, not time: the
evaluator stays pure, and a wall-clock bound is the caller's business.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .errors import Fault

MAX_EXPRESSION_LENGTH = 4096  # characters of source text
MAX_DEPTH = 64  # levels of nesting in the parsed tree
MAX_PATTERN_LENGTH = 1024  # characters of a `matches` regular expression

ELEMENTS_PER_STEP = 10  # array or map elements one step pays for
CHARACTERS_PER_STEP = 100  # characters one step pays for
# RE2 falls back to simulating every instruction of the pattern on every character: charge their product.
MATCH_UNITS_PER_STEP = 500


@dataclass(frozen=True, slots=True)
class Budget:
    """The most one evaluation may spend; pass a smaller one where evaluations must be cheaper."""

    steps: int = 100_000  # node visits, closure iterations and native work, per evaluation
    string_length: int = 1_000_000  # characters of any string the expression builds
    array_length: int = 100_000  # elements of any array the expression builds (ranges included)
    value_depth: int = 100  # nesting of data walked by ==, in, string(), flatten() and the number aggregates

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Budget.{field.name} must be a positive integer, got {value!r}")


DEFAULT_BUDGET = Budget()
MAX_STEPS = DEFAULT_BUDGET.steps
MAX_STRING_LENGTH = DEFAULT_BUDGET.string_length
MAX_RANGE_LENGTH = DEFAULT_BUDGET.array_length


class Meter:
    """One evaluation's spending against its budget; every check names the budget it enforces."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.steps = 0

    def spend(self, steps: int = 1) -> None:
        self.steps += steps
        if self.steps > self.budget.steps:
            raise Fault(f"evaluation exceeded the step budget of {self.budget.steps} steps", locate=False)

    def spend_elements(self, count: int) -> None:
        """Native work (a copy, a sort, a C loop) over ``count`` elements."""
        self.spend(1 + count // ELEMENTS_PER_STEP)

    def spend_walk(self, count: int) -> None:
        """Python-level work, one call per element (==, string(), flatten...): a step each."""
        self.spend(1 + count)

    def spend_characters(self, count: int) -> None:
        self.spend(1 + count // CHARACTERS_PER_STEP)

    def spend_on(self, value: Any) -> None:
        """Pay for one native pass over ``value`` (its characters, or its top-level elements)."""
        if isinstance(value, str):
            self.spend_characters(len(value))
        elif isinstance(value, (list, tuple, Mapping)):
            self.spend_elements(len(value))
        else:
            self.spend()

    def spend_matching(self, text_length: int, program_size: int) -> None:
        """Paid before matching, so a pattern too costly for the text never runs."""
        self.spend(1 + text_length * program_size // MATCH_UNITS_PER_STEP)

    def check_string(self, length: int) -> None:
        if length > self.budget.string_length:
            limit = self.budget.string_length
            raise Fault(f"string of {length} characters exceeds the string budget of {limit} characters")

    def check_array(self, length: int, what: str = "array") -> None:
        if length > self.budget.array_length:
            limit = self.budget.array_length
            raise Fault(f"{what} of {length} elements exceeds the array budget of {limit} elements")

    def check_depth(self, depth: int) -> None:
        if depth > self.budget.value_depth:
            limit = self.budget.value_depth
            raise Fault(f"values are nested more than {limit} levels deep (the value depth budget)")
