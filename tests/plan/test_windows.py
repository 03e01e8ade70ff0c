"""Promotion windows: parsing the annotation and deciding, at a given instant, whether traffic may move and when."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rollouts import api
from rollouts.api.labels import PROMOTION_WINDOWS_ANNOTATION
from rollouts.api.windows import WindowError, parse
from rollouts.plan.windows import verdict


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


WEEKDAYS_9_TO_17 = 'allow: [{schedule: "0 9 * * 1-5", duration: 8h}]'
PARIS_MORNING = 'allow: [{schedule: "0 9 * * *", duration: 1h, timeZone: Europe/Paris}]'
NO_FRIDAY_AFTERNOON = 'deny: [{schedule: "0 12 * * 5", duration: 12h}]'
BOTH = WEEKDAYS_9_TO_17 + "\n" + NO_FRIDAY_AFTERNOON
OVERLAPPING_DENY = 'deny: [{schedule: "0 * * * *", duration: 90m}]'


@pytest.mark.parametrize(
    ("annotation", "now", "is_open", "opens_at"),
    [
        # 2026-12-02 is a Wednesday.
        (WEEKDAYS_9_TO_17, "2026-12-02T10:00:00", True, None),
        (WEEKDAYS_9_TO_17, "2026-12-02T09:00:00", True, None),  # opens on the fire time itself
        (WEEKDAYS_9_TO_17, "2026-12-02T17:00:00", False, "2026-12-03T09:00:00"),  # closes at start + duration
        (WEEKDAYS_9_TO_17, "2026-12-02T08:59:59.500000", False, "2026-12-02T09:00:00"),
        (WEEKDAYS_9_TO_17, "2026-12-05T12:00:00", False, "2026-12-07T09:00:00"),  # Saturday: Monday
        (PARIS_MORNING, "2026-12-02T08:30:00", True, None),  # 09:30 in Paris (UTC+1 in winter)
        (PARIS_MORNING, "2026-12-02T09:30:00", False, "2026-12-03T08:00:00"),
        (PARIS_MORNING, "2026-07-01T07:30:00", True, None),  # 09:30 in Paris (UTC+2 in summer)
        (NO_FRIDAY_AFTERNOON, "2026-12-04T11:00:00", True, None),
        (NO_FRIDAY_AFTERNOON, "2026-12-04T13:00:00", False, "2026-12-05T00:00:00"),
        # Friday 13:00: denied until midnight, and then Saturday is outside every allow window.
        (BOTH, "2026-12-04T13:00:00", False, "2026-12-07T09:00:00"),
        (BOTH, "2026-12-04T10:00:00", True, None),
        # Cron's Sunday is 0 or 7 (apscheduler's own numbers start from Monday = 0).
        ('allow: [{schedule: "0 9 * * 0", duration: 1h}]', "2026-12-06T09:30:00", True, None),
        ('allow: [{schedule: "0 9 * * 7", duration: 1h}]', "2026-12-05T09:30:00", False, "2026-12-06T09:00:00"),
        ('allow: [{schedule: "0 9 * * 1-5/2", duration: 1h}]', "2026-12-03T09:30:00", False, "2026-12-04T09:00:00"),
        # Every hour for 90 minutes: the runs overlap, so it never opens.
        (OVERLAPPING_DENY, "2026-12-02T10:00:00", False, None),
    ],
)
def test_verdict(annotation: str, now: str, is_open: bool, opens_at: str | None) -> None:
    windows = parse({PROMOTION_WINDOWS_ANNOTATION: annotation})
    result = verdict(windows, at(now))
    assert (result.open, result.opens_at) == (is_open, at(opens_at) if opens_at else None)


def test_without_the_annotation_traffic_always_moves() -> None:
    assert parse({}) is None
    assert verdict(None, at("2026-12-02T03:00:00")).open


@pytest.mark.parametrize(
    ("annotation", "message"),
    [
        ("allow: [", "not YAML or JSON"),
        ("[]", "want a mapping with `allow` and/or `deny`"),
        ("permit: []", "want a mapping with `allow` and/or `deny`"),
        ("allow: {schedule: x}", ".allow: want a list of windows"),
        ("allow: [{schedule: '0 9 * * *'}]", ".allow[0]: want a mapping with `schedule`, `duration`"),
        ("deny: [{schedule: '0 9 * *', duration: 1h}]", ".deny[0].schedule: '0 9 * *' is not a 5-field cron"),
        ("deny: [{schedule: '0 9 * * *', duration: soon}]", ".deny[0].duration: 'soon' is not a positive duration"),
        ("deny: [{schedule: '0 9 * * *', duration: 0s}]", ".deny[0].duration: '0s' is not a positive duration"),
        ("allow: [{schedule: '0 9 * * *', duration: 1h, timeZone: Mars/Olympus}]", "unknown time zone 'Mars/Olympus'"),
        ("allow: [{schedule: '0 9 * * *', duration: 1h, zone: UTC}]", "unknown field 'zone'"),
    ],
)
def test_bad_annotations_name_the_annotation_and_the_entry(annotation: str, message: str) -> None:
    with pytest.raises(WindowError) as raised:
        parse({PROMOTION_WINDOWS_ANNOTATION: annotation})
    assert str(raised.value).startswith(f"metadata.annotations[{PROMOTION_WINDOWS_ANNOTATION}]")
    assert message in str(raised.value)


def test_a_bad_annotation_makes_the_rollout_invalid_with_the_annotation_named() -> None:
    rollout = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "demo", "annotations": {PROMOTION_WINDOWS_ANNOTATION: "deny: [{schedule: nope}]"}},
        "spec": {
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {"containers": [{"name": "app", "image": "demo:1"}]},
            },
            "strategy": {"canary": {"steps": [{"setWeight": 20}]}},
        },
    }
    problems = [str(error) for error in api.validate(rollout)]
    assert problems == [
        f"metadata.annotations[{PROMOTION_WINDOWS_ANNOTATION}].deny[0]: want a mapping with `schedule`, `duration` "
        "and optionally `timeZone`"
    ]
