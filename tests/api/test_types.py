"""Int-or-percent, duration and timestamp helpers: table tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from rollouts.api import types


@pytest.mark.parametrize(
    ("value", "total", "round_up", "expected"),
    [
        pytest.param(3, 10, True, 3, id="int-is-absolute"),
        pytest.param(0, 10, False, 0, id="zero"),
        pytest.param("25%", 10, True, 3, id="25pct-of-10-up"),
        pytest.param("25%", 10, False, 2, id="25pct-of-10-down"),
        pytest.param("25%", 4, True, 1, id="exact-up"),
        pytest.param("25%", 4, False, 1, id="exact-down"),
        pytest.param("3", 200, False, 6, id="string-without-percent-is-a-percent"),
        pytest.param("3", 10, True, 1, id="3pct-of-10-up"),
        pytest.param("3", 10, False, 0, id="3pct-of-10-down"),
        pytest.param("100%", 7, True, 7, id="all"),
        pytest.param("0%", 7, True, 0, id="none"),
        pytest.param("50%", 1, True, 1, id="half-of-one-up"),
        pytest.param("50%", 1, False, 0, id="half-of-one-down"),
        pytest.param(" 40% ", 5, False, 2, id="whitespace"),
        pytest.param("150%", 10, False, 15, id="over-100"),
    ],
)
def test_scaled_value(value: int | str, total: int, round_up: bool, expected: int) -> None:
    assert types.scaled_value(value, total, round_up=round_up) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("abc", id="word"),
        pytest.param("", id="empty"),
        pytest.param("%", id="bare-percent"),
        pytest.param("2.5%", id="fraction"),
        pytest.param(True, id="bool"),
        pytest.param(1.5, id="float"),
    ],
)
def test_scaled_value_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        types.scaled_value(value, 10, round_up=True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("25%", 25, id="with-percent"),
        pytest.param("25", 25, id="without-percent"),
        pytest.param("0%", 0, id="zero"),
    ],
)
def test_percent_value(value: str, expected: int) -> None:
    assert types.percent_value(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(3, 3, id="int"),
        pytest.param("3", 3, id="digits"),
        pytest.param("-1", -1, id="negative"),
        pytest.param(" 7 ", 7, id="whitespace"),
    ],
)
def test_int_value(value: int | str, expected: int) -> None:
    assert types.int_value(value) == expected


@pytest.mark.parametrize(
    "value",
    [pytest.param("{{args.count}}", id="placeholder"), pytest.param("3%", id="percent"), pytest.param("", id="empty")],
)
def test_int_value_rejects(value: str) -> None:
    with pytest.raises(ValueError):
        types.int_value(value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        pytest.param(30, 30.0, id="int-seconds"),
        pytest.param("30", 30.0, id="bare-digits-are-seconds"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("30s", 30.0, id="seconds"),
        pytest.param("5m", 300.0, id="minutes"),
        pytest.param("1h", 3600.0, id="hours"),
        pytest.param("1h30m", 5400.0, id="hours-minutes"),
        pytest.param("1h0m10s", 3610.0, id="go-string-form"),
        pytest.param("1.5h", 5400.0, id="fractional"),
        pytest.param(".5s", 0.5, id="leading-dot"),
        pytest.param("250ms", 0.25, id="milliseconds"),
        pytest.param("1m30s500ms", 90.5, id="mixed"),
        pytest.param("100us", 0.0001, id="microseconds"),
        pytest.param("100\u00b5s", 0.0001, id="micro-sign"),
        pytest.param("1500ns", 0.0000015, id="nanoseconds"),
        pytest.param("-5s", -5.0, id="negative"),
        pytest.param("+5s", 5.0, id="explicit-plus"),
    ],
)
def test_parse_duration(value: int | str, seconds: float) -> None:
    assert types.parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("1d", id="days-are-not-go"),
        pytest.param("5 m", id="space"),
        pytest.param("m", id="unit-only"),
        pytest.param("1.2.3s", id="two-dots"),
        pytest.param("5s3", id="trailing-number"),
        pytest.param("-", id="sign-only"),
        pytest.param(".s", id="dot-only"),
        pytest.param(True, id="bool"),
        pytest.param(1.5, id="float"),
        pytest.param(None, id="none"),
    ],
)
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        types.parse_duration(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC), id="zulu"),
        pytest.param(
            "2024-05-01T12:00:00+02:00",
            datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2))),
            id="offset",
        ),
        pytest.param("2024-05-01T10:00:00.123456Z", datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC), id="micros"),
    ],
)
def test_parse_time(value: str, expected: datetime) -> None:
    assert types.parse_time(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("2024-05-01", id="date-only"),
        pytest.param("2024-05-01T10:00:00", id="no-zone"),
        pytest.param("yesterday", id="word"),
    ],
)
def test_parse_time_rejects(value: str) -> None:
    with pytest.raises(ValueError):
        types.parse_time(value)


def test_format_time_is_utc_seconds_with_z() -> None:
    moment = datetime(2024, 5, 1, 12, 0, 0, 999, tzinfo=timezone(timedelta(hours=2)))
    assert types.format_time(moment) == "2024-05-01T10:00:00Z"
    assert types.parse_time(types.format_time(moment)) == moment.replace(microsecond=0)
