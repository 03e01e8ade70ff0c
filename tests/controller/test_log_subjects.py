"""Every controller log line names what it is about: `rollout=ns/name` for Rollouts, `analysisrun=ns/name` for
AnalysisRuns (their lines used to say `rollout=`), in text and in JSON."""

from __future__ import annotations

import json
import logging

import pytest

from rollouts.controller.main import _JsonFormatter, _TextFormatter


def a_record(**extra: str) -> logging.LogRecord:
    record = logging.LogRecord("test", logging.INFO, __file__, 1, "measured", None, None)
    record.__dict__.update(extra)
    return record


@pytest.mark.parametrize(
    ("extra", "label"),
    [
        pytest.param({"rollout": "shop/web"}, "rollout", id="rollout"),
        pytest.param({"analysisrun": "shop/web-6f7-2"}, "analysisrun", id="analysisrun"),
        pytest.param({"key": "shop/web", "controller": "rollouts"}, "rollout", id="rollout-worker"),
        pytest.param({"key": "shop/web-6f7-2", "controller": "analysisruns"}, "analysisrun", id="analysisrun-worker"),
    ],
)
def test_lines_name_their_subject(extra: dict[str, str], label: str) -> None:
    subject = next(value for key, value in extra.items() if key != "controller")
    assert f" {label}={subject} " in _TextFormatter().format(a_record(**extra))
    entry = json.loads(_JsonFormatter().format(a_record(**extra)))
    assert (entry["namespace"], entry[label]) == tuple(subject.split("/"))


def test_a_line_about_nothing_names_nothing() -> None:
    assert "=" not in _TextFormatter().format(a_record()).split("info", 1)[1]
