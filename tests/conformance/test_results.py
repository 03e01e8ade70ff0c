"""The conformance table's pure helpers: selection patterns, test2json parsing, baseline verdicts, rendering."""

from __future__ import annotations

import json

import pytest

from tests.conformance import results
from tests.conformance.results import ENV_LIMIT, FAIL, PASS, SKIP, Row


@pytest.mark.parametrize(
    ("suites", "run", "pattern"),
    [
        (["istio"], None, "^(TestIstioSuite)$"),
        (["canary", "header-routing"], None, "^(TestCanarySuite|TestHeaderRoutingSuite)$"),
        (["canary"], "TestCanaryScaleDown.*", "^(TestCanarySuite)$/TestCanaryScaleDown.*"),
    ],
)
def test_run_pattern_selects_suites_and_methods(suites: list[str], run: str | None, pattern: str) -> None:
    assert results.run_pattern(suites, run) == pattern


@pytest.mark.parametrize(
    ("suites", "run", "message"),
    [
        (["istoi"], None, "SUITES: unknown suite 'istoi'; expected some of: analysis, apisix,"),
        ([], None, "SUITES: empty; expected some of:"),
        (["canary"], "Test(", "RUN: 'Test(' is not a regular expression"),
    ],
)
def test_bad_selection_names_the_variable(suites: list[str], run: str | None, message: str) -> None:
    with pytest.raises(results.SelectionError) as error:
        results.run_pattern(suites, run)
    assert str(error.value).startswith(message)


def _event(action: str, test: str, output: str = "", elapsed: float = 0.0) -> str:
    event = {"Action": action, "Package": "e2e", "Test": test, "Output": output, "Elapsed": elapsed}
    return json.dumps(event)


EVENTS = [
    '{"Action":"start","Package":"e2e"}',
    _event("run", "TestCanarySuite"),
    _event("run", "TestCanarySuite/TestGood"),
    _event("output", "TestCanarySuite/TestGood", 'time="x" level=info msg="Rollout is Healthy"\n'),
    _event("pass", "TestCanarySuite/TestGood", elapsed=12.34),
    _event("run", "TestCanarySuite/TestBad"),
    _event("output", "TestCanarySuite/TestBad", 'time="x" level=error msg="kubectl apply failed: boom"\n'),
    _event("output", "TestCanarySuite/TestBad", "    canary_test.go:88: \n"),
    _event("output", "TestCanarySuite/TestBad", "        \tError Trace:\tcanary_test.go:88\n"),
    _event("output", "TestCanarySuite/TestBad", "        \tError:      \tNot equal: \n"),
    _event("fail", "TestCanarySuite/TestBad", elapsed=90.0),
    _event("run", "TestCanarySuite/TestSuiteLevelFailure"),
    _event("output", "TestCanarySuite/TestSuiteLevelFailure", 'level=info msg="Deleting e2e-test-name=x"\n'),
    _event("output", "TestCanarySuite", "    common.go:150: Found multiple ReplicaSets with revision: 1\n"),
    _event("fail", "TestCanarySuite/TestSuiteLevelFailure", elapsed=3.0),
    _event("run", "TestCanarySuite/TestTable/case_1"),
    _event(
        "output", "TestCanarySuite/TestTable/case_1", "    when.go:555: timeout after 1m30s waiting for condition\n"
    ),
    _event("fail", "TestCanarySuite/TestTable/case_1", elapsed=3.0),
    _event("fail", "TestCanarySuite/TestTable", elapsed=3.1),
    _event("skip", "TestIstioSuite/TestIstioHostSplit", elapsed=0.0),
    _event("fail", "TestCanarySuite", elapsed=105.5),
    "not json: a line the binary printed outside the framing",
]


def test_events_become_one_row_per_method_with_the_telling_failure_line() -> None:
    rows = {row.key: row for row in results.parse_events(EVENTS)}
    assert sorted(rows) == [
        "TestCanarySuite/TestBad",
        "TestCanarySuite/TestGood",
        "TestCanarySuite/TestSuiteLevelFailure",
        "TestCanarySuite/TestTable",
        "TestIstioSuite/TestIstioHostSplit",
    ]
    assert rows["TestCanarySuite/TestGood"] == Row("TestCanarySuite", "TestGood", PASS, 12.3)
    assert rows["TestCanarySuite/TestBad"].failure == "Not equal:"
    assert rows["TestCanarySuite/TestSuiteLevelFailure"].failure == "Found multiple ReplicaSets with revision: 1"
    assert rows["TestCanarySuite/TestTable"] == Row(
        "TestCanarySuite", "TestTable", FAIL, 3.1, "timeout after 1m30s waiting for condition"
    )
    assert rows["TestIstioSuite/TestIstioHostSplit"].outcome == SKIP


@pytest.mark.parametrize(
    ("output", "line"),
    [
        (['time="x" level=error msg="could not apply"\n', "    when.go:12: not ok\n"], "could not apply"),
        (['level=error msg="apply of \\"gw\\" failed\\nensure CRDs" rollout=x\n'], 'apply of "gw" failed'),
        (
            ["    when.go:555: timeout after 90s waiting for condition status=Healthy\n"],
            "timeout after 90s waiting for condition status=Healthy",
        ),
        (["=== RUN x\n", "panic: nil map\n"], "panic: nil map"),
        (["\x0f    then.go:81: Expected 2 ready replicas. Actual: 3\x0e\n"], "Expected 2 ready replicas. Actual: 3"),
        ([], ""),
    ],
)
def test_first_failure_line_prefers_assertions_then_errors_then_fatal_lines(output: list[str], line: str) -> None:
    assert results.first_failure_line(output) == line


def test_a_failure_argo_shares_is_an_environment_limit() -> None:
    ours = [Row("S", "a", FAIL, 1), Row("S", "b", FAIL, 1), Row("S", "c", PASS, 1), Row("S", "d", FAIL, 1)]
    argo = {"S/a": Row("S", "a", FAIL, 1), "S/b": Row("S", "b", PASS, 1), "S/c": Row("S", "c", FAIL, 1)}
    assert [results.verdict(row, argo) for row in ours] == [ENV_LIMIT, FAIL, PASS, FAIL]
    assert results.score(ours, argo) == {PASS: 1, FAIL: 2, SKIP: 0, ENV_LIMIT: 1}


def test_suites_of_rows_names_them_as_make_takes_them() -> None:
    rows = [
        Row("TestIstioSuite", "a", PASS, 1),
        Row("TestCanarySuite", "b", PASS, 1),
        Row("TestIstioSuite", "c", PASS, 1),
    ]
    assert results.suites_of(rows) == ["canary", "istio"]


def test_a_later_run_replaces_its_tests_and_keeps_the_others() -> None:
    earlier = [Row("S", "a", FAIL, 1), Row("S", "b", PASS, 1)]
    merged = results.merge(earlier, [Row("S", "a", PASS, 2), Row("R", "z", SKIP, 0)])
    assert merged == [Row("R", "z", SKIP, 0), Row("S", "a", PASS, 2), Row("S", "b", PASS, 1)]
    assert results.rows_from_json(results.rows_to_json(merged)) == merged


def test_markdown_shows_both_controllers_and_the_command() -> None:
    rows = [Row("S", "a", FAIL, 1.5, "x | y"), Row("S", "b", PASS, 2)]
    text = results.to_markdown("T", rows, {"S/a": Row("S", "a", FAIL, 1)}, "make conformance SUITES=canary")
    assert "`make conformance SUITES=canary`" in text
    assert "1 pass, 0 fail, 1 environment limits" in text
    assert "| S/a | env-limit | fail | 1.5 | x \\| y |" in text
    assert "| S/b | pass | - | 2 |  |" in text


def test_suite_scores_count_ours_and_argos() -> None:
    rows = [Row("A", "x", PASS, 1), Row("A", "y", FAIL, 1), Row("B", "z", SKIP, 0)]
    table = results.suite_scores(rows, {"A/x": Row("A", "x", PASS, 1), "A/y": Row("A", "y", PASS, 1)})
    assert "| A | 2 | 1 | 1 | 0 | 0 | 2 of 2 |" in table
    assert "| B | 1 | 0 | 0 | 0 | 1 | - |" in table
