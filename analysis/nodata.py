"""What "no data" means for a measurement's result. Pure: shared by the providers and the judges."""

from __future__ import annotations

from typing import Any

NO_DATA = "query returned no data"


def describe_no_data(result: Any) -> str | None:
    """The note to add when a condition fails to evaluate because the provider found nothing.

    `None`, `[]` and `""` → "query returned no data"; anything else (even `0` or `[0.0]`) → None.
    """
    if result is None or (isinstance(result, (list, tuple, str)) and len(result) == 0):
        return NO_DATA
    return None
