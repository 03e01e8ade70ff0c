"""How the condition language reports a problem: one error type naming the expression, the spot and the reason."""

from __future__ import annotations

_SHOWN_CHARS = 200  # how much of a long expression an error message quotes


class ExpressionError(ValueError):
    """An expression failed to parse or evaluate.

    ``position`` is the 1-based character position of the offending token (the column, for the usual single-line
    expression) or ``None`` when no spot is to blame.
    """

    def __init__(self, expression: str, reason: str, position: int | None = None, label: str = "expression") -> None:
        self.expression = expression
        self.reason = reason
        self.position = position
        self.label = label
        super().__init__(_describe(label, expression, reason, position))


def _describe(label: str, expression: str, reason: str, position: int | None) -> str:
    shown = expression
    if len(shown) > _SHOWN_CHARS:
        shown = shown[: _SHOWN_CHARS - 3] + "..."
    return f'{label} "{shown}"{_where(expression, position)}: {reason}'


def _where(expression: str, position: int | None) -> str:
    if position is None:
        return ""
    if "\n" not in expression:
        return f" at column {position}"
    before = expression[: position - 1]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1)
    return f" at line {line}, column {column}"


class Fault(Exception):
    """A problem found before we know which labelled expression it belongs to.

    ``offset`` is 0-based; the interpreter fills it in from the innermost node when the raiser did not know it,
    unless ``locate`` is False (a spent budget belongs to no single spot).
    """

    def __init__(self, reason: str, offset: int | None = None, *, locate: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset
        self.locate = locate

    def to_error(self, text: str, label: str) -> ExpressionError:
        position = None if self.offset is None else self.offset + 1
        return ExpressionError(text, self.reason, position, label)
