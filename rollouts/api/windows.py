"""Promotion windows: when a rollout may shift traffic, read from an annotation (Argo's CRD has no field for it).

The annotation holds YAML or JSON:

    allow:                      # traffic moves only inside one of these (none listed: always allowed)
      - schedule: "0 9 * * 1-5" # cron: minute hour day-of-month month day-of-week
        duration: 8h            # a Go duration: how long the window stays open after each start
        timeZone: Europe/Paris  # an IANA zone (default UTC)
    deny:                       # ... and never inside one of these
      - schedule: "0 0 24 12 *"
        duration: 48h

Parsing is pure; every error names the annotation and the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from rollouts.api.gotext import parse_go_duration
from rollouts.api.labels import PROMOTION_WINDOWS_ANNOTATION

if TYPE_CHECKING:  # apscheduler (and asyncio through it) loads only when a Rollout has windows: ~0.1 s off the
    from apscheduler.triggers.cron import CronTrigger  # plugin's start-up, which only needs the annotation names


_MAX_TEXT = 16 * 1024
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NUMERIC_WEEKDAYS = re.compile(r"(\*|[0-7](-[0-7])?)(/[1-7])?(,(\*|[0-7](-[0-7])?)(/[1-7])?)*")
_KINDS: tuple[Literal["allow", "deny"], ...] = ("allow", "deny")


class WindowError(ValueError):
    """The annotation is not a valid list of windows; `path` names the annotation and the entry."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Window:
    kind: Literal["allow", "deny"]
    schedule: str
    duration: timedelta
    time_zone: str
    trigger: CronTrigger


@dataclass(frozen=True)
class PromotionWindows:
    allow: tuple[Window, ...] = ()
    deny: tuple[Window, ...] = ()


def parse(annotations: dict[str, str] | None) -> PromotionWindows | None:
    """The windows in a Rollout's annotations, None without the annotation. Raises WindowError."""
    text = (annotations or {}).get(PROMOTION_WINDOWS_ANNOTATION)
    if text is None:
        return None
    where = f"metadata.annotations[{PROMOTION_WINDOWS_ANNOTATION}]"
    if len(text) > _MAX_TEXT:
        raise WindowError(f"{where}", f"longer than {_MAX_TEXT} characters")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise WindowError(f"{where}", f"not YAML or JSON ({str(error).splitlines()[0]})") from None
    if not isinstance(document, dict) or not set(document) <= set(_KINDS) or not document:
        raise WindowError(f"{where}", "want a mapping with `allow` and/or `deny` lists of windows")
    lists = {kind: _windows(where, kind, document.get(kind)) for kind in _KINDS}
    return PromotionWindows(allow=lists["allow"], deny=lists["deny"])


def _windows(where: str, kind: Literal["allow", "deny"], entries: Any) -> tuple[Window, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise WindowError(f"{where}.{kind}", "want a list of windows")
    return tuple(_window(f"{where}.{kind}[{i}]", kind, entry) for i, entry in enumerate(entries))


def _window(where: str, kind: Literal["allow", "deny"], entry: Any) -> Window:
    if not isinstance(entry, dict) or not {"schedule", "duration"} <= set(entry):
        raise WindowError(f"{where}", "want a mapping with `schedule`, `duration` and optionally `timeZone`")
    if unknown := sorted(set(entry) - {"schedule", "duration", "timeZone"}):
        raise WindowError(f"{where}", f"unknown field {unknown[0]!r}; want schedule, duration, timeZone")
    schedule, duration_text, zone = entry["schedule"], entry["duration"], entry.get("timeZone", "UTC")
    if not isinstance(zone, str):
        raise WindowError(f"{where}.timeZone", "want an IANA time zone like Europe/Paris")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise WindowError(
            f"{where}.timeZone", f"unknown time zone {zone!r}; want an IANA name like Europe/Paris"
        ) from None
    from apscheduler.triggers.cron import CronTrigger  # here, not at the top: see the import block

    try:
        trigger = CronTrigger.from_crontab(_cron_weekdays(str(schedule)), timezone=tz)
    except ValueError as error:
        raise WindowError(f"{where}.schedule", f"{schedule!r} is not a 5-field cron schedule ({error})") from None
    try:
        duration = parse_go_duration(str(duration_text))
    except ValueError:
        duration = timedelta(0)
    if duration <= timedelta(0):
        raise WindowError(f"{where}.duration", f"{duration_text!r} is not a positive duration like 30m or 8h")
    return Window(kind=kind, schedule=str(schedule), duration=duration, time_zone=zone, trigger=trigger)


def _cron_weekdays(schedule: str) -> str:
    """Cron's numeric day-of-week field (0 or 7 Sunday, 1 Monday) as a list of names: apscheduler's numbers
    start from Monday = 0, so "1-5" would mean Tuesday to Saturday. Names and malformed fields pass unchanged."""
    fields = schedule.split()
    if len(fields) != 5 or not _NUMERIC_WEEKDAYS.fullmatch(fields[4]) or fields[4] == "*":
        return schedule  # from_crontab reports what is wrong
    days: set[int] = set()
    for part in fields[4].split(","):
        span, _, step = part.partition("/")
        low, _, high = span.partition("-")
        first, last = (0, 6) if span == "*" else (int(low), int(high or (7 if step else low)))
        days.update(day % 7 for day in range(first, last + 1, int(step or 1)))
    return " ".join([*fields[:4], ",".join(_WEEKDAYS[day] for day in sorted(days))])
