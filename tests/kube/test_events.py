"""Events are sent in the background, in order: recording one never waits for the API server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from helpers import wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.kube.events import EventRecorder
from rollouts.kube.resources import Resource

CONFIG_MAPS = Resource("", "v1", "configmaps", "ConfigMap")


def config_map(kube: Kube, namespace: str) -> dict:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "subject"}}
    created = kube.create(CONFIG_MAPS, namespace, body)
    return {**created, "apiVersion": "v1", "kind": "ConfigMap"}


def test_recording_returns_before_the_event_is_sent(kube: Kube, namespace: str) -> None:
    subject = config_map(kube, namespace)
    held, release = threading.Event(), threading.Event()

    def hold_writes() -> None:  # every write waits here until the test lets it go
        held.set()
        release.wait(30)

    slow = Kube(kube.connection, write_gate=hold_writes)
    recorder = EventRecorder(slow, lambda: datetime.now(UTC))
    recording = threading.Thread(
        target=lambda: [recorder.record(subject, reason=f"Step{step}", message="m") for step in range(3)]
    )
    try:
        recording.start()
        recording.join(5)
        assert not recording.is_alive(), "record() waited for the API server"
        assert held.wait(5), "the event was never sent"
    finally:
        release.set()
    assert recorder.flush(10)
    events = wait_until(
        lambda: kube.list(resources.EVENTS, namespace, field_selector="involvedObject.name=subject")[0],
        what="the events",
    )
    ordered = sorted(events, key=lambda event: int(event["metadata"]["resourceVersion"]))
    assert [event["reason"] for event in ordered] == ["Step0", "Step1", "Step2"]


def test_events_held_during_a_write_follow_it(kube: Kube, namespace: str) -> None:
    subject = config_map(kube, namespace)
    recorder = EventRecorder(kube, lambda: datetime.now(UTC))
    with recorder.held():
        recorder.record(subject, reason="Announced", message="m")
        with recorder.held():  # an inner block leaves its Events to the outer one
            recorder.record(subject, reason="AnnouncedAgain", message="m")
        written = kube.patch(CONFIG_MAPS, namespace, "subject", {"data": {"step": "1"}})
        assert recorder.flush(5)  # nothing handed to the senders yet
        assert kube.list(resources.EVENTS, namespace, field_selector="involvedObject.name=subject")[0] == []
    assert recorder.flush(10)
    events = kube.list(resources.EVENTS, namespace, field_selector="involvedObject.name=subject")[0]
    ordered = sorted(events, key=lambda event: int(event["metadata"]["resourceVersion"]))
    assert [event["reason"] for event in ordered] == ["Announced", "AnnouncedAgain"]
    assert int(ordered[0]["metadata"]["resourceVersion"]) > int(written["metadata"]["resourceVersion"])
