"""A Kubernetes ``resource.Quantity`` as Go's ``json.Marshal`` writes it after ``json.Unmarshal`` read it.

Pure. Argo Rollouts hashes the JSON of a decoded pod template, so quantities appear there in the form
apimachinery's Quantity gives them: a string that was already canonical is kept verbatim (``"100m"``,
``"1Gi"``, even ``"1.500"``); any other is rewritten canonically (``"1.5"`` -> ``"1500m"``, ``"1024Mi"`` ->
``"1Gi"``, ``"0.5Gi"`` -> ``"512Mi"``). The rules below follow apimachinery v0.34 (quantity.go, amount.go,
suffix.go): the int64 fast path decides whether the input string is kept, the exact path rounds up to nanos.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_UP, Context, Decimal

_DECIMAL_EXPONENT, _DECIMAL_SI, _BINARY_SI = "DecimalExponent", "DecimalSI", "BinarySI"
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_SUFFIX_OF_DECIMAL = {exponent: suffix for suffix, exponent in _DECIMAL_SUFFIXES.items()}
_SUFFIX_OF_BINARY = {exponent: suffix for suffix, exponent in _BINARY_SUFFIXES.items()}
_SYNTAX = re.compile(r"(?P<sign>[+-]?)0*(?P<num>[0-9]*)(?:\.(?P<denom>[0-9]*))?(?P<suffix>[eEinumkKMGTP]*[+-]?[0-9]*)")
_MAX_INT64 = 2**63 - 1
_NANO = -9
_EXACT = Context(prec=1000, Emax=10**6, Emin=-(10**6))  # wide enough that no step rounds


def quantity_json(raw: object) -> str:
    """The JSON text Go writes for a Quantity decoded from ``raw`` (a JSON string or number; None is zero).

    Raises ValueError (``invalid quantity "<raw>"``) where Go's decoding fails, which makes Argo reject the
    whole Rollout.
    """
    if raw is None:
        return '"0"'
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueError(f'invalid quantity "{raw}"')
    return '"' + _canonical_text(str(raw).strip()) + '"'


def _canonical_text(text: str) -> str:
    if text == "0":
        return text
    match = _SYNTAX.fullmatch(text)
    if not text or match is None:
        raise ValueError(f'invalid quantity "{text}"')
    positive = match["sign"] != "-"
    num, denom = match["num"] or "0", match["denom"] or ""
    base, exponent, form = _interpret(match["suffix"], text)
    kept = _fast_path(text, num, denom, exponent, form)
    if kept is not None:
        return kept
    amount = Decimal(f"{'' if positive else '-'}{num}.{denom or '0'}")
    amount = _EXACT.scaleb(amount, exponent) if base == 10 else _EXACT.multiply(amount, Decimal(2**exponent))
    if amount != 0:  # if you ask for some resource you get some: round up to a whole nano
        amount = amount.quantize(Decimal("1e-9"), rounding=ROUND_UP, context=_EXACT)
    if form == _BINARY_SI and abs(amount) > _MAX_INT64:
        amount = Decimal(_MAX_INT64).copy_sign(amount)
    if form == _BINARY_SI and 0 < abs(amount) < 1:
        form = _DECIMAL_SI
    return _format(amount, form)


def _interpret(suffix: str, text: str) -> tuple[int, int, str]:
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], _DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], _BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?[0-9]+", suffix[1:]):
        return 10, int(suffix[1:]), _DECIMAL_EXPONENT
    raise ValueError(f'invalid quantity "{text}"')


def _fast_path(text: str, num: str, denom: str, exponent: int, form: str) -> str | None:
    """The int64 path of ParseQuantity: the input itself when Go keeps it, the canonical text otherwise, or
    None when the value needs the exact path."""
    mantissa = 1
    if form == _BINARY_SI:
        if denom:
            return None
        scale, mantissa = 0, 1 << exponent
        precision = 15 - len(num) - exponent * 3 // 10 - 1
    else:
        scale, precision = exponent, 18 - len(num) - len(denom)
    scale -= len(denom)
    if precision < 0 or scale < _NANO:
        return None
    shifted = num + denom
    value = int(shifted)
    if value * mantissa > _MAX_INT64:
        return None
    if form == _BINARY_SI:
        keep = value & 0x07 != 0
    else:
        keep = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
    if keep:
        return text
    sign = -1 if text.startswith("-") else 1
    return _format(_EXACT.scaleb(Decimal(sign * value * mantissa), scale), form)


def _format(amount: Decimal, form: str) -> str:
    """Quantity.CanonicalizeBytes."""
    if amount == 0:
        return "0"
    if form == _BINARY_SI:
        whole = amount.to_integral_value(rounding=ROUND_CEILING if amount > 0 else ROUND_FLOOR)
        if -1024 < amount < 1024 or whole != amount:
            form = _DECIMAL_SI
        else:
            return _format_binary(int(whole))
    sign, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)
    mantissa = int("".join(map(str, digits)))
    while mantissa >= 10 and mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    while exponent % 3:
        mantissa *= 10
        exponent -= 1
    if form == _DECIMAL_EXPONENT:
        suffix = f"e{exponent}" if exponent else ""
    else:
        suffix = _SUFFIX_OF_DECIMAL.get(exponent, "")  # Go writes no suffix past E or below n
    return f"{'-' if sign else ''}{mantissa}{suffix}"


def _format_binary(value: int) -> str:
    magnitude, times = abs(value), 0
    while magnitude >= 1024 and magnitude % 1024 == 0:
        magnitude //= 1024
        times += 1
    return f"{'-' if value < 0 else ''}{magnitude}{_SUFFIX_OF_BINARY.get(times * 10, '')}"
