"""How a simulated version behaves (rollouts.simulator.behaviour): pure tables, no cluster.

We test these aspects:
* the image tag convention: ``errors-<N>``, ``slow-<ms>``, ``bad``, combined in any order; every other word a name;
* finding the tag in an image reference (registry ports, digests, no tag);
* the pod-template annotations override the tag, and a bad value fails with a message naming the annotation;
* answers are drawn from the seeded generator only: same seed, same answers; the median latency is the p50 set.

Not tested here: which version a request goes to (test_traffic.py).
"""

from __future__ import annotations

import math
import random
import statistics

import pytest

from rollouts.simulator import behaviour

ERRORS = behaviour.ERROR_RATE_ANNOTATION
LATENCY = behaviour.LATENCY_ANNOTATION


@pytest.mark.parametrize(
    "image, tag",
    [
        pytest.param("argoproj/rollouts-demo:blue", "blue", id="plain"),
        pytest.param("localhost:5000/demo:red-errors-10", "red-errors-10", id="registry-port-is-not-a-tag"),
        pytest.param("localhost:5000/demo", "latest", id="registry-port-no-tag"),
        pytest.param("demo", "latest", id="no-tag"),
        pytest.param("demo:blue@sha256:0123abcd", "blue", id="tag-and-digest"),
        pytest.param("demo@sha256:0123abcd", "latest", id="digest-only"),
    ],
)
def test_tag_of(image: str, tag: str) -> None:
    assert behaviour.tag_of(image) == tag


@pytest.mark.parametrize(
    "tag, error_rate, latency_ms",
    [
        pytest.param("blue", 0.0, 20.0, id="healthy-default"),
        pytest.param("latest", 0.0, 20.0, id="latest"),
        pytest.param("yellow-errors-30", 0.30, 20.0, id="errors"),
        pytest.param("green-slow-800", 0.0, 800.0, id="slow"),
        pytest.param("red-errors-10-slow-300", 0.10, 300.0, id="errors-and-slow"),
        pytest.param("slow-300-errors-10-red", 0.10, 300.0, id="any-order"),
        pytest.param("bad-red", behaviour.BAD_ERROR_RATE, 20.0, id="bad"),
        pytest.param("red-bad", behaviour.BAD_ERROR_RATE, 20.0, id="bad-anywhere"),
        pytest.param("bad-errors-5", 0.05, 20.0, id="errors-wins-over-bad"),
        pytest.param("errors-2.5", 0.025, 20.0, id="decimal-percent"),
        pytest.param("errors-0", 0.0, 20.0, id="zero-percent"),
        pytest.param("errors-100", 1.0, 20.0, id="all-errors"),
        pytest.param("slow-0", 0.0, 0.0, id="zero-latency"),
        pytest.param("Yellow-ERRORS-30", 0.30, 20.0, id="case-insensitive"),
        pytest.param("no-errors", 0.0, 20.0, id="errors-without-number-is-a-name"),
        pytest.param("slow-start", 0.0, 20.0, id="slow-without-number-is-a-name"),
        pytest.param("badger", 0.0, 20.0, id="bad-must-be-a-whole-word"),
        pytest.param("v1.2.3", 0.0, 20.0, id="version-number"),
        pytest.param("errors-1e3", 0.0, 20.0, id="exponent-is-not-a-number-here"),
    ],
)
def test_from_tag(tag: str, error_rate: float, latency_ms: float) -> None:
    assert behaviour.from_tag(tag) == behaviour.Behaviour(error_rate=pytest.approx(error_rate), latency_ms=latency_ms)


def test_from_tag_rejects_a_percentage_over_100() -> None:
    with pytest.raises(
        behaviour.BehaviourError,
        match=r"image tag 'red-errors-150': errors-<N> wants a percentage from 0 to 100, got 150",
    ):
        behaviour.from_tag("red-errors-150")


def template(image: str, annotations: dict[str, str] | None = None) -> dict:
    return {
        "metadata": {"labels": {"app": "web"}, "annotations": annotations or {}},
        "spec": {"containers": [{"name": "app", "image": image}]},
    }


@pytest.mark.parametrize(
    "image, annotations, error_rate, latency_ms",
    [
        pytest.param("demo:blue", {}, 0.0, 20.0, id="tag-only"),
        pytest.param("demo:blue", {ERRORS: "0.3"}, 0.3, 20.0, id="error-rate"),
        pytest.param("demo:blue", {LATENCY: "500"}, 0.0, 500.0, id="latency"),
        pytest.param("demo:blue", {ERRORS: " 0.25 ", LATENCY: "12.5"}, 0.25, 12.5, id="both-with-spaces"),
        pytest.param("demo:yellow-errors-30-slow-800", {ERRORS: "0"}, 0.0, 800.0, id="annotation-beats-tag-errors"),
        pytest.param("demo:yellow-errors-30-slow-800", {LATENCY: "5"}, 0.3, 5.0, id="annotation-beats-tag-latency"),
        pytest.param("demo:blue", {ERRORS: "1"}, 1.0, 20.0, id="error-rate-one"),
        pytest.param("demo:blue", {"other.io/thing": "x"}, 0.0, 20.0, id="other-annotations-ignored"),
    ],
)
def test_from_template(image: str, annotations: dict[str, str], error_rate: float, latency_ms: float) -> None:
    assert behaviour.from_template(template(image, annotations)) == behaviour.Behaviour(
        error_rate=error_rate, latency_ms=latency_ms
    )


@pytest.mark.parametrize(
    "annotations, message",
    [
        pytest.param(
            {ERRORS: "abc"}, f"annotation {ERRORS}: 'abc' is not a fraction from 0 to 1", id="error-rate-not-a-number"
        ),
        pytest.param(
            {ERRORS: "30"}, f"annotation {ERRORS}: '30' is not a fraction from 0 to 1", id="error-rate-as-percent"
        ),
        pytest.param({ERRORS: "-0.1"}, f"annotation {ERRORS}: '-0.1' is not a fraction", id="error-rate-negative"),
        pytest.param({ERRORS: "nan"}, f"annotation {ERRORS}: 'nan' is not a fraction", id="error-rate-nan"),
        pytest.param({ERRORS: ""}, f"annotation {ERRORS}: '' is not a fraction", id="error-rate-empty"),
        pytest.param(
            {LATENCY: "fast"}, f"annotation {LATENCY}: 'fast' is not milliseconds, 0 or more", id="latency-not-a-number"
        ),
        pytest.param({LATENCY: "-5"}, f"annotation {LATENCY}: '-5' is not milliseconds", id="latency-negative"),
        pytest.param({LATENCY: "inf"}, f"annotation {LATENCY}: 'inf' is not milliseconds", id="latency-infinite"),
    ],
)
def test_bad_annotations_name_the_annotation(annotations: dict[str, str], message: str) -> None:
    with pytest.raises(behaviour.BehaviourError) as raised:
        behaviour.from_template(template("demo:blue", annotations))
    assert str(raised.value).startswith(message)


def test_image_of_takes_the_first_container() -> None:
    two = {"spec": {"containers": [{"image": "demo:red-errors-10"}, {"image": "sidecar:1"}]}}
    assert behaviour.image_of(two) == "demo:red-errors-10"
    assert behaviour.image_of({"spec": {}}) == ""
    assert behaviour.from_template({"spec": {}}) == behaviour.HEALTHY


def test_answers_come_from_the_seeded_generator() -> None:
    slow_and_flaky = behaviour.Behaviour(error_rate=0.3, latency_ms=300.0)
    first = [behaviour.respond(slow_and_flaky, random.Random(7)) for _ in range(3)]
    again = [behaviour.respond(slow_and_flaky, random.Random(7)) for _ in range(3)]
    assert first == again
    rng = random.Random(7)
    stream = [behaviour.respond(slow_and_flaky, rng) for _ in range(50)]
    rng = random.Random(8)
    other = [behaviour.respond(slow_and_flaky, rng) for _ in range(50)]
    assert stream != other


def test_error_share_and_median_latency_follow_the_behaviour() -> None:
    rng = random.Random(42)
    answers = [behaviour.respond(behaviour.Behaviour(error_rate=0.3, latency_ms=800.0), rng) for _ in range(20_000)]
    errors = sum(answer.code == 500 for answer in answers) / len(answers)
    assert {answer.code for answer in answers} == {200, 500}
    assert errors == pytest.approx(0.3, abs=0.015)
    durations = [answer.duration_ms for answer in answers]
    assert statistics.median(durations) == pytest.approx(800.0, rel=0.03)
    p99 = statistics.quantiles(durations, n=100)[98]
    assert 1.7 * 800 < p99 < 2.3 * 800  # e^(0.3 · 2.326) ≈ 2.0


def test_zero_latency_and_zero_errors_are_exact() -> None:
    rng = random.Random(1)
    answers = {behaviour.respond(behaviour.Behaviour(error_rate=0.0, latency_ms=0.0), rng) for _ in range(1000)}
    assert answers == {behaviour.Response(code=200, duration_ms=0.0)}


SPREAD = behaviour.SPREAD_ANNOTATION


@pytest.mark.parametrize(
    "tag, annotations, spread",
    [
        pytest.param("blue", {}, 0.3, id="default"),
        pytest.param("blue-tail-30", {}, 0.3 + math.log(1.3) / 2.3263478740408408, id="tail-30"),
        pytest.param("blue-tail-100-errors-2", {}, 0.3 + math.log(2.0) / 2.3263478740408408, id="tail-100"),
        pytest.param("blue-tail", {}, 0.3, id="tail-without-number-is-a-name"),
        pytest.param("blue-tail-30", {SPREAD: "0.5"}, 0.5, id="annotation-beats-tag"),
    ],
)
def test_the_latency_spread_comes_from_the_tail_word_or_the_annotation(
    tag: str, annotations: dict[str, str], spread: float
) -> None:
    assert behaviour.from_template(template(f"demo:{tag}", annotations)).spread == pytest.approx(spread)


def test_a_longer_tail_moves_the_p99_and_keeps_the_median() -> None:
    def quantiles(tag: str) -> tuple[float, float]:
        rng = random.Random(3)
        durations = [behaviour.respond(behaviour.from_tag(tag), rng).duration_ms for _ in range(40_000)]
        cuts = statistics.quantiles(durations, n=100)
        return cuts[49], cuts[98]

    (median, p99), (tail_median, tail_p99) = quantiles("blue"), quantiles("blue-tail-30")
    assert tail_median == pytest.approx(median, rel=0.01)
    assert tail_p99 / p99 == pytest.approx(1.3, rel=0.05)


def test_a_bad_spread_annotation_names_it() -> None:
    with pytest.raises(behaviour.BehaviourError, match=f"annotation {SPREAD}: '5' is not a sigma from 0 to 3"):
        behaviour.from_template(template("demo:blue", {SPREAD: "5"}))
