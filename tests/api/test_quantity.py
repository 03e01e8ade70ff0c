"""Kubernetes resource quantities: table tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rollouts.api.quantity import is_quantity, parse_quantity


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1", Decimal(1), id="plain"),
        pytest.param("500m", Decimal("0.5"), id="milli"),
        pytest.param("100n", Decimal("1e-7"), id="nano"),
        pytest.param("3u", Decimal("3e-6"), id="micro"),
        pytest.param("2k", Decimal(2000), id="kilo"),
        pytest.param("1M", Decimal(1_000_000), id="mega"),
        pytest.param("1G", Decimal(10**9), id="giga"),
        pytest.param("1T", Decimal(10**12), id="tera"),
        pytest.param("1P", Decimal(10**15), id="peta"),
        pytest.param("1E", Decimal(10**18), id="exa"),
        pytest.param("1Ki", Decimal(1024), id="kibi"),
        pytest.param("16Mi", Decimal(16 * 1024**2), id="mebi"),
        pytest.param("1.5Gi", Decimal(3 * 1024**3 // 2), id="fractional-gibi"),
        pytest.param("1Ti", Decimal(1024**4), id="tebi"),
        pytest.param("1Pi", Decimal(1024**5), id="pebi"),
        pytest.param("1Ei", Decimal(1024**6), id="exbi"),
        pytest.param("2e3", Decimal(2000), id="exponent"),
        pytest.param("2E-3", Decimal("0.002"), id="negative-exponent"),
        pytest.param("0.1", Decimal("0.1"), id="decimal"),
        pytest.param(".5", Decimal("0.5"), id="leading-dot"),
        pytest.param("5.", Decimal(5), id="trailing-dot"),
        pytest.param("+1", Decimal(1), id="plus"),
        pytest.param("-1", Decimal(-1), id="minus"),
        pytest.param(2, Decimal(2), id="yaml-int"),
        pytest.param(0.25, Decimal("0.25"), id="yaml-float"),
    ],
)
def test_parse_quantity(value: str | int | float, expected: Decimal) -> None:
    assert parse_quantity(value) == expected
    assert is_quantity(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("invalid", id="word"),
        pytest.param("", id="empty"),
        pytest.param("1 Gi", id="space"),
        pytest.param("1KB", id="not-a-suffix"),
        pytest.param("1gi", id="lowercase-binary"),
        pytest.param("Mi", id="suffix-only"),
        pytest.param("1Mi2", id="trailing-digit"),
        pytest.param("1e", id="empty-exponent"),
        pytest.param("1e1.5", id="fractional-exponent"),
        pytest.param(".", id="dot"),
        pytest.param(True, id="bool"),
        pytest.param(None, id="null"),
        pytest.param(float("nan"), id="nan"),
        pytest.param([1], id="list"),
    ],
)
def test_invalid_quantity(value: object) -> None:
    with pytest.raises(ValueError, match="invalid quantity"):
        parse_quantity(value)  # type: ignore[arg-type]
    assert not is_quantity(value)


def test_message_quotes_the_value() -> None:
    with pytest.raises(ValueError) as caught:
        parse_quantity("invalid")
    assert str(caught.value) == 'invalid quantity "invalid"'
