"""rollouts.api.gotext against Go's own answers.

Every expected value below was printed by Go 1.26 (time.ParseDuration, Duration.String, time.Parse(time.RFC3339),
strconv.FormatFloat 'f' and 'g' with precision -1, fmt's %v); the inputs include cases from Go's time and strconv
tests.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from rollouts.api import gotext

# input -> (nanoseconds, Duration.String())
GO_DURATIONS = [
    ("0", 0, "0s"),
    ("5s", 5000000000, "5s"),
    ("30s", 30000000000, "30s"),
    ("1478s", 1478000000000, "24m38s"),
    ("-5s", -5000000000, "-5s"),
    ("+5s", 5000000000, "5s"),
    ("-0", 0, "0s"),
    ("+0", 0, "0s"),
    ("5.0s", 5000000000, "5s"),
    ("5.6s", 5600000000, "5.6s"),
    ("5.s", 5000000000, "5s"),
    (".5s", 500000000, "500ms"),
    ("1.0s", 1000000000, "1s"),
    ("1.00s", 1000000000, "1s"),
    ("1.004s", 1004000000, "1.004s"),
    ("1.0040s", 1004000000, "1.004s"),
    ("100.00100s", 100001000000, "1m40.001s"),
    ("10ns", 10, "10ns"),
    ("11us", 11000, "11µs"),
    ("12µs", 12000, "12µs"),
    ("12μs", 12000, "12µs"),
    ("13ms", 13000000, "13ms"),
    ("14s", 14000000000, "14s"),
    ("15m", 900000000000, "15m0s"),
    ("16h", 57600000000000, "16h0m0s"),
    ("3h30m", 12600000000000, "3h30m0s"),
    ("10.5s4m", 250500000000, "4m10.5s"),
    ("-2m3.4s", -123400000000, "-2m3.4s"),
    ("1h2m3s4ms5us6ns", 3723004005006, "1h2m3.004005006s"),
    ("39h9m14.425s", 140954425000000, "39h9m14.425s"),
    ("52763797000ns", 52763797000, "52.763797s"),
    ("0.3333333333333333333h", 1200000000000, "20m0s"),
    ("9007199254740993ns", 9007199254740993, "2501h59m59.254740993s"),
    ("9223372036854775807ns", 9223372036854775807, "2562047h47m16.854775807s"),
    ("9223372036854775.807us", 9223372036854775807, "2562047h47m16.854775807s"),
    ("-9223372036854775808ns", -9223372036854775808, "-2562047h47m16.854775808s"),
    ("-9223372036854775.808us", -9223372036854775808, "-2562047h47m16.854775808s"),
    ("-2562047h47m16.854775808s", -9223372036854775808, "-2562047h47m16.854775808s"),
    ("0.100000000000000000000h", 360000000000, "6m0s"),
    ("0.830103483285477580700h", 2988372539827, "49m48.372539827s"),
    ("1h30m", 5400000000000, "1h30m0s"),
    ("500ms", 500000000, "500ms"),
    ("1.5h", 5400000000000, "1h30m0s"),
    ("250ms", 250000000, "250ms"),
    ("1500ns", 1500, "1.5µs"),
]

# input -> Go's error, without its "time: " prefix
GO_DURATION_ERRORS = [
    ("9223372036854s775ms807us", 'invalid duration "9223372036854s775ms807us"'),
    ("-9223372036854s775ms808us", 'invalid duration "-9223372036854s775ms808us"'),
    ("", 'invalid duration ""'),
    ("3", 'missing unit in duration "3"'),
    ("-", 'invalid duration "-"'),
    ("s", 'invalid duration "s"'),
    (".", 'invalid duration "."'),
    ("-.", 'invalid duration "-."'),
    (".s", 'invalid duration ".s"'),
    ("+.s", 'invalid duration "+.s"'),
    ("1d", 'unknown unit "d" in duration "1d"'),
    ("5 m", 'unknown unit " m" in duration "5 m"'),
    ("1.2.3s", 'missing unit in duration "1.2.3s"'),
    ("5s3", 'missing unit in duration "5s3"'),
    ("30", 'missing unit in duration "30"'),
    ("-30", 'missing unit in duration "-30"'),
    ("9223372036854775808ns", 'invalid duration "9223372036854775808ns"'),
    ("9223372036854775810ns", 'invalid duration "9223372036854775810ns"'),
    ("-9223372036854775809ns", 'invalid duration "-9223372036854775809ns"'),
    ("9223372036854775.808us", 'invalid duration "9223372036854775.808us"'),
    ("9223372036854ms775us808ns", 'invalid duration "9223372036854ms775us808ns"'),
    ("1e3s", 'unknown unit "e" in duration "1e3s"'),
    ("µs", 'invalid duration "\\xc2\\xb5s"'),
    ("3000000h", 'invalid duration "3000000h"'),
]

# nanoseconds -> Duration.String()
GO_DURATION_STRINGS = [
    (0, "0s"),
    (1, "1ns"),
    (1100, "1.1µs"),
    (2200000, "2.2ms"),
    (3300000000, "3.3s"),
    (75300000000, "1m15.3s"),
    (240000000000, "4m0s"),
    (245000000000, "4m5s"),
    (18367001000000, "5h6m7.001s"),
    (480000000001, "8m0.000000001s"),
    (9223372036854775807, "2562047h47m16.854775807s"),
    (-9223372036854775808, "-2562047h47m16.854775808s"),
    (-1100, "-1.1µs"),
    (999, "999ns"),
    (1000, "1µs"),
    (999999, "999.999µs"),
    (1000000, "1ms"),
    (5400000000000, "1h30m0s"),
]

# FormatFloat(f, 'g', -1, 64) (also how the value is written here), FormatFloat(f, 'f', -1, 64), fmt %v
GO_FLOATS = [
    ("0", "0", "0"),
    ("-0", "-0", "-0"),
    ("1", "1", "1"),
    ("-1", "-1", "-1"),
    ("100", "100", "100"),
    ("0.25", "0.25", "0.25"),
    ("1e+21", "1000000000000000000000", "1e+21"),
    ("1e+20", "100000000000000000000", "1e+20"),
    ("1e-07", "0.0000001", "1e-07"),
    ("123456", "123456", "123456"),
    ("1.234567e+06", "1234567", "1.234567e+06"),
    ("1e+06", "1000000", "1e+06"),
    ("999999", "999999", "999999"),
    ("0.0001", "0.0001", "0.0001"),
    ("1e-05", "0.00001", "1e-05"),
    ("0.1", "0.1", "0.1"),
    ("0.3", "0.3", "0.3"),
    ("0.3333333333333333", "0.3333333333333333", "0.3333333333333333"),
    ("0.6666666666666666", "0.6666666666666666", "0.6666666666666666"),
    ("1e+23", "100000000000000000000000", "1e+23"),
    ("5e-324", "0." + "0" * 323 + "5", "5e-324"),
    ("1.7976931348623157e+308", "17976931348623157" + "0" * 292, "1.7976931348623157e+308"),
    ("1.23456789125e+08", "123456789.125", "1.23456789125e+08"),
    ("-0.000123", "-0.000123", "-0.000123"),
    ("3.14159", "3.14159", "3.14159"),
    ("12.5", "12.5", "12.5"),
    ("1e+100", "1" + "0" * 100, "1e+100"),
    ("100.5", "100.5", "100.5"),
    ("1e-05", "0.00001", "1e-05"),
    ("123456.7", "123456.7", "123456.7"),
    ("NaN", "NaN", "NaN"),
    ("+Inf", "+Inf", "+Inf"),
    ("-Inf", "-Inf", "-Inf"),
    ("0.95", "0.95", "0.95"),
    ("99.99", "99.99", "99.99"),
]

# input -> time.Parse(time.RFC3339, input) in UTC (RFC3339Nano) and its nanoseconds, or None when Go rejects it
GO_TIMES = [
    ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z", 0),
    ("2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00Z", 0),
    ("2024-05-01T10:00:00.123456Z", "2024-05-01T10:00:00.123456Z", 123456000),
    ("2024-05-01T10:00:00.123456789Z", "2024-05-01T10:00:00.123456789Z", 123456789),
    ("2024-05-01t10:00:00z", None, None),
    ("2024-05-01T10:00:00z", None, None),
    ("2024-05-01 10:00:00Z", None, None),
    ("2024-05-01", None, None),
    ("2024-05-01T10:00:00", None, None),
    ("2024-05-01T10:00Z", None, None),
    ("2024-05-01T10:00:00.Z", None, None),
    ("2024-05-01T10:00:00,5Z", "2024-05-01T10:00:00.5Z", 500000000),
    ("2024-05-01T24:00:00Z", None, None),
    ("2024-02-30T10:00:00Z", None, None),
    ("2024-05-01T10:00:60Z", None, None),
    ("2024-05-01T10:00:00+0200", None, None),
    ("2024-05-01T10:00:00-00:00", "2024-05-01T10:00:00Z", 0),
    ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", 0),
    ("99999-01-01T00:00:00Z", None, None),
    ("2024-5-01T10:00:00Z", None, None),
    ("2024-05-01T10:00:00.1Z", "2024-05-01T10:00:00.1Z", 100000000),
    ("2024-05-01T10:00:00 Z", None, None),
    ("yesterday", None, None),
    ("2024-05-01T10:00:00+23:59", "2024-04-30T10:01:00Z", 0),
    ("2024-05-01T1:00:00Z", "2024-05-01T01:00:00Z", 0),
    ("２024-05-01T10:00:00Z", None, None),
]


@pytest.mark.parametrize(("text", "nanoseconds", "string"), GO_DURATIONS)
def test_go_duration_parses_like_go(text: str, nanoseconds: int, string: str) -> None:
    assert gotext.go_duration_ns(text) == nanoseconds
    assert gotext.format_duration_ns(nanoseconds) == string


@pytest.mark.parametrize(("text", "message"), GO_DURATION_ERRORS)
def test_go_duration_errors_are_gos(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        gotext.go_duration_ns(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(("nanoseconds", "string"), GO_DURATION_STRINGS)
def test_format_duration_ns_is_gos_string(nanoseconds: int, string: str) -> None:
    assert gotext.format_duration_ns(nanoseconds) == string


@pytest.mark.parametrize(
    ("delta", "string"),
    [
        (timedelta(0), "0s"),
        (timedelta(hours=1, minutes=30), "1h30m0s"),
        (timedelta(milliseconds=500), "500ms"),
        (timedelta(microseconds=1), "1µs"),
        (-timedelta(seconds=1, microseconds=500_000), "-1.5s"),
    ],
)
def test_format_duration_of_a_timedelta(delta: timedelta, string: str) -> None:
    assert gotext.format_duration(delta) == string


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("-1.5s", -timedelta(seconds=1.5)),
        ("1500ns", timedelta(microseconds=1)),  # cut to microseconds
        ("-1500ns", -timedelta(microseconds=1)),  # toward zero
    ],
)
def test_parse_go_duration_as_timedelta(text: str, delta: timedelta) -> None:
    assert gotext.parse_go_duration(text) == delta


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (30, 30.0),
        ("30", 30.0),  # Argo reads a digits-only pause duration as seconds
        ("-5", -5.0),
        ("0", 0.0),
        ("30s", 30.0),
        ("1h30m", 5400.0),
        ("250ms", 0.25),
        ("1500ns", 0.0000015),
    ],
)
def test_parse_duration_takes_argos_int_or_string(value: int | str, seconds: float) -> None:
    assert gotext.parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["", "1d", "30 s", True, 1.5, None])
def test_parse_duration_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        gotext.parse_duration(value)  # type: ignore[arg-type]  # bad input on purpose


def test_duration_errors_are_bounded() -> None:
    with pytest.raises(ValueError) as raised:
        gotext.go_duration_ns("1" * 1000 + "d")
    assert len(str(raised.value)) < 200


@pytest.mark.parametrize(("shortest", "fixed", "v"), GO_FLOATS)
def test_floats_print_like_go(shortest: str, fixed: str, v: str) -> None:
    number = float(shortest)
    assert gotext.format_float(number) == fixed
    assert gotext.format_float_v(number) == v
    if not math.isnan(number):
        assert float(gotext.format_float(number)) == number


@pytest.mark.parametrize(("text", "utc", "nanoseconds"), GO_TIMES)
def test_parse_time_accepts_what_go_accepts(text: str, utc: str | None, nanoseconds: int | None) -> None:
    if utc is None:
        with pytest.raises(ValueError):
            gotext.parse_time(text)
        assert gotext.parse_time_or_none(text) is None
        return
    assert nanoseconds is not None
    moment = gotext.parse_time(text)
    assert moment.tzinfo is not None
    assert moment.microsecond == nanoseconds // 1000
    assert gotext.format_time(moment) == utc.split(".")[0].removesuffix("Z") + "Z"
    assert gotext.parse_time_or_none(text) == moment


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-01T10:00:00+24:00",  # Go accepts offsets Python cannot hold
        "2024-05-01T10:00:00+02:60",
    ],
)
def test_parse_time_rejects_offsets_out_of_range(text: str) -> None:
    with pytest.raises(ValueError, match="offset out of range"):
        gotext.parse_time(text)


def test_parse_time_keeps_the_offset() -> None:
    moment = gotext.parse_time("2024-05-01T12:00:00+02:00")
    assert moment.utcoffset() == timedelta(hours=2)
    assert moment == datetime(2024, 5, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", 5, "tomorrow"])
def test_parse_time_or_none_never_raises(value: object) -> None:
    assert gotext.parse_time_or_none(value) is None


def test_format_time_is_metav1_time() -> None:
    moment = datetime(2024, 5, 1, 12, 0, 0, 999, tzinfo=timezone(timedelta(hours=2)))
    assert gotext.format_time(moment) == "2024-05-01T10:00:00Z"  # Go printed the same for this moment


def test_format_micro_time_is_metav1_micro_time() -> None:
    moment = datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert gotext.format_micro_time(moment) == "2024-05-01T10:00:00.123456Z"  # Go: ...00.123456Z


@pytest.mark.parametrize("format_", [gotext.format_time, gotext.format_micro_time])
def test_formatting_a_naive_time_is_an_error(format_: object) -> None:
    with pytest.raises(ValueError, match="aware"):
        format_(datetime(2024, 5, 1))  # type: ignore[operator]  # the callable under test
