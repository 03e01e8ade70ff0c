"""The conformance table: which of Argo's e2e tests pass against a controller, from `go test` JSON events.

Pure functions only: selection patterns, test2json events -> one row per test, merging runs, and the JSON and
Markdown renderings. A run against Argo's own controller (`--baseline`) decides which failures are the
environment's (kwok pods, no mesh, no cloud): a test that fails there too is an environment limit, not ours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

# Suite name (as `make conformance SUITES=...` takes it) -> the Go test function that runs it.
SUITES = {
    "analysis": "TestAnalysisSuite",
    "apisix": "TestAPISIXSuite",
    "appmesh": "TestAppMeshSuite",
    "aws": "TestAWSSuite",
    "bluegreen": "TestBlueGreenSuite",
    "canary": "TestCanarySuite",
    "experiment": "TestExperimentSuite",
    "functional": "TestFunctionalSuite",
    "header-routing": "TestHeaderRoutingSuite",
    "istio": "TestIstioSuite",
    "mirror": "TestMirrorRouteSuite",
    "rollback": "TestRollbackSuite",
    "smi": "TestSMISuite",
    "smi-ingress": "TestSMIIngressSuite",
    "step-plugin": "TestStepPluginSuite",
}
DEFAULT_SUITES = (
    "canary",
    "bluegreen",
    "istio",
    "analysis",
    "functional",
    "header-routing",
    "mirror",
    "aws",
    "smi",
    "smi-ingress",
    "apisix",
)
"""What `make conformance` runs without SUITES: the router suites too (their CRDs come from crds/third-party/); not
appmesh (no App Mesh CRDs here: it skips) nor step-plugin (needs Argo's plugin binary and config)."""

PASS, FAIL, SKIP = "pass", "fail", "skip"
ENV_LIMIT = "env-limit"


class SelectionError(ValueError):
    """SUITES or RUN names something that does not exist; the message says what does."""


def run_pattern(suites: Iterable[str], run: str | None) -> str:
    """The `-test.run` pattern for the chosen suites and, optionally, a regexp over their test methods."""
    names = []
    for suite in suites:
        if suite not in SUITES:
            raise SelectionError(f"SUITES: unknown suite {suite!r}; expected some of: {', '.join(sorted(SUITES))}")
        names.append(SUITES[suite])
    if not names:
        raise SelectionError(f"SUITES: empty; expected some of: {', '.join(sorted(SUITES))}")
    if run:
        try:
            re.compile(run)
        except re.error as error:
            raise SelectionError(f"RUN: {run!r} is not a regular expression ({error})") from None
    pattern = f"^({'|'.join(names)})$"
    return f"{pattern}/{run}" if run else pattern


@dataclass(frozen=True)
class Row:
    """One e2e test method: `suite` is the Go suite function, `test` the method."""

    suite: str
    test: str
    outcome: str
    seconds: float
    failure: str = ""

    @property
    def key(self) -> str:
        return f"{self.suite}/{self.test}"


# The most telling line of a failure, best first: testify's "Error:", a fixture's error log, a t.Fatal line.
_FAILURE_PATTERNS = (
    re.compile(r"^\s*Error:\s+(?P<line>\S.*)$"),
    re.compile(r'level=(?:error|fatal) msg="(?P<line>(?:[^"\\]|\\.)+)'),
    re.compile(r"^\s*[\w./-]+\.go:\d+: (?P<line>\S.*)$"),
)
_MAX_FAILURE = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_NOISE = re.compile(r"^\s*(---|===)|level=(info|debug)")


def first_failure_line(output: Iterable[str]) -> str:
    # test2json keeps Go's framing bytes around error output (\x0e, \x0f): drop control characters.
    lines = [_CONTROL.sub("", line).rstrip("\n") for line in output]
    for pattern in _FAILURE_PATTERNS:
        for line in lines:
            if match := pattern.search(line):
                # logrus quotes its message: unescape it and keep its first line.
                text = match["line"].replace('\\"', '"').split("\\n")[0]
                return text.strip()[:_MAX_FAILURE]
    meaningful = [line.strip() for line in lines if line.strip() and not _NOISE.search(line)]
    return meaningful[0][:_MAX_FAILURE] if meaningful else ""


def parse_events(lines: Iterable[str]) -> list[Row]:
    """Rows for every suite method in `go tool test2json` output; top-level suite results are dropped."""
    output: dict[str, list[str]] = {}
    rows: dict[str, Row] = {}
    running: dict[str, str] = {}  # suite -> the method it runs now
    for line in lines:
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        name = event.get("Test") or ""
        if "/" not in name:
            # Argo's fixtures fail through the suite's T, so its output belongs to the method running then.
            if event.get("Action") == "output" and name in running:
                output.setdefault(running[name], []).append(event.get("Output", ""))
            continue
        suite, test = name.split("/", 1)
        if "/" in test:  # a t.Run inside a method: its output belongs to the method
            test = test.split("/", 1)[0]
        key = f"{suite}/{test}"
        action = event.get("Action")
        if action == "run":
            running[suite] = key
        elif action == "output":
            output.setdefault(key, []).append(event.get("Output", ""))
        elif action in (PASS, FAIL, SKIP) and f"{suite}/{test}" == name:
            failure = first_failure_line(output.get(key, [])) if action == FAIL else ""
            rows[key] = Row(suite, test, action, round(float(event.get("Elapsed", 0.0)), 1), failure)
    return list(rows.values())


def suites_of(rows: Iterable[Row]) -> list[str]:
    """The SUITES names that produced these rows, in the table's order."""
    names = {function: name for name, function in SUITES.items()}
    return sorted({names.get(row.suite, row.suite) for row in rows})


def merge(previous: Iterable[Row], latest: Iterable[Row]) -> list[Row]:
    """A run of some suites replaces those tests' rows and keeps the rest, sorted by suite and test."""
    merged = {row.key: row for row in previous}
    merged.update((row.key, row) for row in latest)
    return sorted(merged.values(), key=lambda row: (row.suite, row.test))


def verdict(row: Row, baseline: Mapping[str, Row]) -> str:
    """Our outcome, except that a failure Argo's controller shares (it failed or skipped there) is the environment's."""
    reference = baseline.get(row.key)
    if row.outcome == FAIL and reference is not None and reference.outcome != PASS:
        return ENV_LIMIT
    return row.outcome


def score(rows: Iterable[Row], baseline: Mapping[str, Row]) -> dict[str, int]:
    counts = {PASS: 0, FAIL: 0, SKIP: 0, ENV_LIMIT: 0}
    for row in rows:
        counts[verdict(row, baseline)] += 1
    return counts


def suite_scores(rows: list[Row], baseline: Mapping[str, Row]) -> str:
    """Per suite: our pass / fail / environment limits / skips, and Argo's own passes where it ran."""
    lines = [
        "| Suite | Tests | Pass | Fail | Env limit | Skip | Argo's controller passes |",
        "|---|---|---|---|---|---|---|",
    ]
    for suite in sorted({row.suite for row in rows}):
        own = [row for row in rows if row.suite == suite]
        counts = score(own, baseline)
        argo = [baseline[row.key] for row in own if row.key in baseline]
        argo_passes = f"{sum(row.outcome == PASS for row in argo)} of {len(argo)}" if argo else "-"
        lines.append(
            f"| {suite} | {len(own)} | {counts[PASS]} | {counts[FAIL]} | {counts[ENV_LIMIT]} | {counts[SKIP]} | {argo_passes} |"
        )
    return "\n".join(lines) + "\n"


def rows_to_json(rows: Iterable[Row]) -> str:
    return json.dumps([asdict(row) for row in rows], indent=2) + "\n"


def rows_from_json(text: str) -> list[Row]:
    return [Row(**raw) for raw in json.loads(text)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(title: str, rows: list[Row], baseline: Mapping[str, Row], command: str) -> str:
    """A table per suite; with a baseline, Argo's own outcome next to ours."""
    counts = score(rows, baseline)
    lines = [
        f"# {title}",
        "",
        f"`{command}`",
        "",
        f"{counts[PASS]} pass, {counts[FAIL]} fail, {counts[ENV_LIMIT]} environment limits"
        f" (fail against Argo's controller too), {counts[SKIP]} skipped, of {sum(counts.values())} tests.",
        "",
        suite_scores(rows, baseline),
        "| Test | Result | Argo | Seconds | First failure line |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        reference = baseline.get(row.key)
        argo = reference.outcome if reference else "-"
        lines.append(f"| {row.key} | {verdict(row, baseline)} | {argo} | {row.seconds:g} | {_cell(row.failure)} |")
    return "\n".join(lines) + "\n"
