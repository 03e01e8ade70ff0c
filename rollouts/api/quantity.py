"""Kubernetes resource quantities ("500m", "1.5Gi", "2e3"): parse them to exact numbers, or say why not.

Pure. The grammar is Kubernetes' `resource.Quantity`: a signed decimal number followed by a binary SI suffix
(Ki Mi Gi Ti Pi Ei), a decimal SI suffix (n u m "" k M G T P E) or a decimal exponent (e3, E-2).
"""

from __future__ import annotations

import re
from decimal import Decimal

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?:(?P<exponent>[eE][+-]?[0-9]+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?))"
)


def parse_quantity(value: str | int | float) -> Decimal:
    """The exact value of a quantity: "500m" -> 0.5, "1Ki" -> 1024, "2e3" -> 2000, 3 -> 3.

    Raises ValueError with the message `invalid quantity "<value>"` for anything else ("invalid", "1 Gi", "1KB").
    """
    if isinstance(value, bool):
        raise ValueError(f'invalid quantity "{value}"')
    if isinstance(value, int | float):
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError(f'invalid quantity "{value}"')
        return number
    if not isinstance(value, str):
        raise ValueError(f'invalid quantity "{value}"')
    match = _QUANTITY.fullmatch(value)
    if not match:
        raise ValueError(f'invalid quantity "{value}"')
    number = Decimal(match["number"])
    if match["exponent"]:
        return number.scaleb(int(match["exponent"][1:]))
    suffix = match["suffix"]
    if suffix in _BINARY:
        return number * Decimal(1024) ** _BINARY[suffix]
    return number.scaleb(_DECIMAL[suffix])


def is_quantity(value: object) -> bool:
    """True when `value` parses as a quantity."""
    try:
        parse_quantity(value)  # type: ignore[arg-type]
    except ValueError:
        return False
    return True
