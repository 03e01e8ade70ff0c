"""Reading command-line durations and writing kubectl-style ages (plugin.durations). Pure."""

from __future__ import annotations

import pytest

from plugin import durations


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("30s", 30.0, id="seconds"),
        pytest.param("5m", 300.0, id="minutes"),
        pytest.param("1h30m", 5400.0, id="compound"),
        pytest.param("1.5h", 5400.0, id="fraction"),
        pytest.param("250ms", 0.25, id="milliseconds"),
        pytest.param("90", 90.0, id="bare-number-is-seconds"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("-2s", -2.0, id="negative"),
    ],
)
def test_parse(text: str, seconds: float) -> None:
    assert durations.parse(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "s", "5x", "1h 30m", "ten seconds", "5m3"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        durations.parse(text)


@pytest.mark.parametrize(
    ("seconds", "age"),
    [
        pytest.param(-3, "<invalid>", id="future-beyond-skew"),
        pytest.param(-1, "0s", id="clock-skew"),
        pytest.param(0, "0s", id="zero"),
        pytest.param(119, "119s", id="seconds-below-two-minutes"),
        pytest.param(120, "2m", id="two-minutes"),
        pytest.param(310, "5m10s", id="minutes-and-seconds"),
        pytest.param(600, "10m", id="ten-minutes-drops-seconds"),
        pytest.param(3600, "60m", id="an-hour-is-60m"),
        pytest.param(3 * 3600 + 300, "3h5m", id="hours-and-minutes"),
        pytest.param(8 * 3600 + 59 * 60, "8h", id="eight-hours-drops-minutes"),
        pytest.param(69 * 3600, "2d21h", id="days-and-hours"),
        pytest.param(7 * 86400, "7d", id="a-week"),
        pytest.param(30 * 86400, "30d", id="a-month"),
        pytest.param(800 * 86400, "2y70d", id="years-and-days"),
        pytest.param(9 * 365 * 86400, "9y", id="years"),
    ],
)
def test_human(seconds: float, age: str) -> None:
    assert durations.human(seconds) == age
