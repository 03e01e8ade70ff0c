"""expr-lang's builtin functions, plus Argo Rollouts' own, in one table (``BUILTINS``) filled by the modules here."""

from __future__ import annotations

from . import arrays, bits, collections, durations, encoding, numbers, strings
from .registry import BUILTINS, NO_ACCUMULATOR, Builtin, Context

__all__ = [
    "BUILTINS",
    "NO_ACCUMULATOR",
    "Builtin",
    "Context",
    "arrays",
    "bits",
    "collections",
    "durations",
    "encoding",
    "numbers",
    "strings",
]
