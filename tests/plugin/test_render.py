"""The `get rollout` page, `list rollouts` table and `status` line as text (plugin.render). Pure; no cluster.

Aspects: the exact page (header padded to 17 columns, tree with kind icons, branches, columns aligned like Go's
tabwriter) for a canary at several stages and a blue-green rollout with a preview; colours (icons, tags, names by
phase) that never shift a column; the list table; the status line. Golden pages are compared with trailing
spaces stripped, as Argo's own tests do; `test_tabwriter_padding` pins the padding itself.
Excluded: building the view (test_view.py), terminals and watches (test_terminal_watch.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import rollout_objects as objs

from plugin import render, view

PAGES = [
    pytest.param(
        objs.canary_healthy,
        """\
Name:            demo
Namespace:       shop
Status:          ✔ Healthy
Strategy:        Canary
  Step:          8/8
  SetWeight:     100
  ActualWeight:  100
Images:          argoproj/rollouts-demo:blue (stable)
Replicas:
  Desired:       5
  Current:       5
  Updated:       5
  Ready:         5
  Available:     5

NAME                              KIND        STATUS     AGE  INFO
⟳ demo                            Rollout     ✔ Healthy  30m
└──# revision:1
   └──⧉ demo-7b9f5d8c6d           ReplicaSet  ✔ Healthy  30m  stable
      ├──□ demo-7b9f5d8c6d-4hq7w  Pod         ✔ Running  29m  ready:1/1
      ├──□ demo-7b9f5d8c6d-8xk2m  Pod         ✔ Running  29m  ready:1/1
      ├──□ demo-7b9f5d8c6d-c9n4t  Pod         ✔ Running  29m  ready:1/1
      ├──□ demo-7b9f5d8c6d-m2p6z  Pod         ✔ Running  29m  ready:1/1
      └──□ demo-7b9f5d8c6d-z7r5b  Pod         ✔ Running  29m  ready:1/1
""",
        id="canary-healthy",
    ),
    pytest.param(
        objs.canary_paused_at_first_pause,
        """\
Name:            demo
Namespace:       shop
Status:          ॥ Paused
Message:         CanaryPauseStep
Strategy:        Canary
  Step:          1/8
  SetWeight:     20
  ActualWeight:  20
Images:          argoproj/rollouts-demo:blue (stable)
                 argoproj/rollouts-demo:yellow (canary)
Replicas:
  Desired:       5
  Current:       5
  Updated:       1
  Ready:         5
  Available:     5

NAME                              KIND        STATUS     AGE    INFO
⟳ demo                            Rollout     ॥ Paused   30m
├──# revision:2
│  └──⧉ demo-6d8c4b9f7c           ReplicaSet  ✔ Healthy  2m30s  canary
│     └──□ demo-6d8c4b9f7c-x2k9p  Pod         ✔ Running  2m25s  ready:1/1,restarts:1
└──# revision:1
   └──⧉ demo-7b9f5d8c6d           ReplicaSet  ✔ Healthy  30m    stable
      ├──□ demo-7b9f5d8c6d-4hq7w  Pod         ✔ Running  29m    ready:1/1
      ├──□ demo-7b9f5d8c6d-8xk2m  Pod         ✔ Running  29m    ready:1/1
      ├──□ demo-7b9f5d8c6d-c9n4t  Pod         ✔ Running  29m    ready:1/1
      └──□ demo-7b9f5d8c6d-m2p6z  Pod         ✔ Running  29m    ready:1/1
""",
        id="canary-paused-at-first-pause",
    ),
    pytest.param(
        objs.canary_aborted,
        """\
Name:            demo
Namespace:       shop
Status:          ✖ Degraded
Message:         RolloutAborted: Rollout aborted update to revision 2
Strategy:        Canary
  Step:          0/8
  SetWeight:     0
  ActualWeight:  0
Images:          argoproj/rollouts-demo:blue (stable)
Replicas:
  Desired:       5
  Current:       5
  Updated:       0
  Ready:         5
  Available:     5

NAME                              KIND        STATUS        AGE  INFO
⟳ demo                            Rollout     ✖ Degraded    30m
├──# revision:2
│  └──⧉ demo-6d8c4b9f7c           ReplicaSet  • ScaledDown  3m   canary
└──# revision:1
   └──⧉ demo-7b9f5d8c6d           ReplicaSet  ✔ Healthy     30m  stable
      ├──□ demo-7b9f5d8c6d-4hq7w  Pod         ✔ Running     29m  ready:1/1
      ├──□ demo-7b9f5d8c6d-8xk2m  Pod         ✔ Running     29m  ready:1/1
      ├──□ demo-7b9f5d8c6d-c9n4t  Pod         ✔ Running     29m  ready:1/1
      ├──□ demo-7b9f5d8c6d-m2p6z  Pod         ✔ Running     29m  ready:1/1
      └──□ demo-7b9f5d8c6d-z7r5b  Pod         ✔ Running     29m  ready:1/1
""",
        id="canary-aborted",
    ),
    pytest.param(
        objs.canary_with_analysis,
        """\
Name:            demo
Namespace:       shop
Status:          ◌ Progressing
Message:         waiting for all steps to complete
Strategy:        Canary
  Step:          1/3
  SetWeight:     40
  ActualWeight:  33
Images:          argoproj/rollouts-demo:blue (stable)
                 argoproj/rollouts-demo:yellow (canary)
Replicas:
  Desired:       2
  Current:       3
  Updated:       1
  Ready:         3
  Available:     3

NAME                              KIND         STATUS         AGE    INFO
⟳ demo                            Rollout      ◌ Progressing  30m
├──# revision:2
│  ├──⧉ demo-6d8c4b9f7c           ReplicaSet   ✔ Healthy      5m10s  canary
│  │  └──□ demo-6d8c4b9f7c-x2k9p  Pod          ✔ Running      5m     ready:1/1
│  ├──α demo-6d8c4b9f7c-2         AnalysisRun  ✖ Failed       4m     ✔ 1,✖ 1
│  │  ├──⊞ ar-uid.integration.1   Job          ✔ Successful   4m
│  │  └──⊞ ar-uid.integration.2   Job          ✖ Failed       2m
│  └──α demo-6d8c4b9f7c-2-1       AnalysisRun  ◌ Running      40s    ✔ 2,✖ 1
└──# revision:1
   └──⧉ demo-7b9f5d8c6d           ReplicaSet   ✔ Healthy      3h5m   stable
      ├──□ demo-7b9f5d8c6d-4hq7w  Pod          ✔ Running      3h     ready:1/1
      └──□ demo-7b9f5d8c6d-8xk2m  Pod          ✔ Running      3h     ready:1/1
""",
        id="canary-with-analysis",
    ),
    pytest.param(
        objs.bluegreen_preview,
        """\
Name:            bluegreen-demo
Namespace:       shop
Status:          ॥ Paused
Message:         BlueGreenPause
Strategy:        BlueGreen
Images:          argoproj/rollouts-demo:blue (stable, active)
                 argoproj/rollouts-demo:yellow (preview)
Replicas:
  Desired:       3
  Current:       6
  Updated:       3
  Ready:         6
  Available:     3

NAME                                        KIND        STATUS     AGE   INFO
⟳ bluegreen-demo                            Rollout     ॥ Paused   7d2h
├──# revision:2
│  └──⧉ bluegreen-demo-6d8c4b9f7c           ReplicaSet  ✔ Healthy  60m   preview
│     ├──□ bluegreen-demo-6d8c4b9f7c-5jz59  Pod         ✔ Running  60m   ready:1/1
│     ├──□ bluegreen-demo-6d8c4b9f7c-mkhrl  Pod         ✔ Running  60m   ready:1/1
│     └──□ bluegreen-demo-6d8c4b9f7c-vvj2t  Pod         ✔ Running  60m   ready:1/1
└──# revision:1
   └──⧉ bluegreen-demo-7b9f5d8c6d           ReplicaSet  ✔ Healthy  7d    stable,active
      ├──□ bluegreen-demo-7b9f5d8c6d-gk78v  Pod         ✔ Running  7d    ready:1/1
      ├──□ bluegreen-demo-7b9f5d8c6d-kxj8g  Pod         ✔ Running  7d    ready:1/1
      └──□ bluegreen-demo-7b9f5d8c6d-t2d4f  Pod         ✔ Running  7d    ready:1/1
""",
        id="bluegreen-preview",
    ),
]


@pytest.mark.parametrize(("scene", "page"), PAGES)
def test_rollout_page(scene: Callable[[], dict], page: str) -> None:
    lines = render.rollout_lines(view.rollout_view(now=objs.NOW, **scene()))
    assert "\n".join(line.rstrip() for line in lines) + "\n" == page


@pytest.mark.parametrize(("scene", "_page"), PAGES)
def test_header_labels_are_padded_to_17_columns(scene: Callable[[], dict], _page: str) -> None:
    header = render.header_lines(view.rollout_view(now=objs.NOW, **scene()))
    for line in header:
        if line != "Replicas:":
            assert len(line) > 17 and line[16] == " " and line[17] != " ", line


@pytest.mark.parametrize(("scene", "_page"), PAGES)
def test_tree_columns_line_up(scene: Callable[[], dict], _page: str) -> None:
    tree = render.tree_lines(view.rollout_view(now=objs.NOW, **scene()))
    starts = [tree[0].index(title) for title in ("KIND", "STATUS", "AGE", "INFO")]
    for line in tree[1:]:
        for start in starts:
            assert line[start - 2 : start] == "  ", f"column at {start} not separated in {line!r}"
        kind = line[starts[0] :].split(" ", 1)[0]
        assert kind in ("Rollout", "ReplicaSet", "Pod", "AnalysisRun", "Job", "Experiment", ""), line


def test_tabwriter_padding() -> None:
    """Every cell but the last is padded to its column's widest cell plus two; the last is left as is."""
    assert render.align([["a", "bbb", "c"], ["dddd", "e", ""]]) == ["a     bbb  c", "dddd  e    "]


def test_colours_follow_argo_and_never_shift_columns() -> None:
    scene = objs.canary_with_analysis()
    page = view.rollout_view(now=objs.NOW, **scene)
    plain, coloured = render.rollout_lines(page), render.rollout_lines(page, color=True)
    assert [render.strip_colors(line) for line in coloured] == plain
    text = "\n".join(coloured)
    assert "\x1b[94m◌\x1b[0m Progressing" in text, "progressing icon in hi-blue"
    assert "\x1b[32m✔\x1b[0m Healthy" in text, "ok icon in green"
    assert "\x1b[31m✖\x1b[0m Failed" in text, "bad icon in red"
    assert "\x1b[33mcanary\x1b[0m" in text and "\x1b[32mstable\x1b[0m" in text, "tags: canary yellow, stable green"
    assert "⧉ \x1b[33mdemo-6d8c4b9f7c\x1b[0m" in text, "a ReplicaSet name takes its tag's colour"
    assert "α \x1b[94mdemo-6d8c4b9f7c-2-1\x1b[0m" in text, "a running analysis run's name in hi-blue"
    assert "α demo-6d8c4b9f7c-2 " in text, "a finished one uncoloured"
    assert "Images:          argoproj/rollouts-demo:blue (\x1b[32mstable\x1b[0m)" in text


def test_no_colour_means_no_escape_codes() -> None:
    page = view.rollout_view(now=objs.NOW, **objs.bluegreen_preview())
    assert not any("\x1b" in line for line in render.rollout_lines(page, color=False))


def test_list_table() -> None:
    rows = [view.rollout_row(objs.canary_paused_at_first_pause()["rollout"]), view.rollout_row(objs.bluegreen_preview()["rollout"])]
    assert [line.rstrip() for line in render.list_lines(rows)] == [
        "NAME            STRATEGY   STATUS        STEP  SET-WEIGHT  READY  DESIRED  UP-TO-DATE  AVAILABLE",
        "demo            Canary     Paused        1/8   20          5/5    5        1           5",
        "bluegreen-demo  BlueGreen  Paused        -     -           6/6    3        3           3",
    ]
    assert render.list_lines(rows, all_namespaces=True)[0].split() == ["NAMESPACE", *render.LIST_HEADER]
    assert render.list_lines(rows, all_namespaces=True)[1].startswith("shop       demo  ")


def test_list_row_line_alone() -> None:
    row = view.rollout_row(objs.canary_healthy()["rollout"])
    assert re.fullmatch(r"demo +Canary +Healthy +8/8 +100 +5/5 +5 +5 +5 *", render.list_row_line(row))


@pytest.mark.parametrize(
    ("scene", "line"),
    [
        pytest.param(objs.canary_healthy, "Healthy", id="healthy-no-message"),
        pytest.param(objs.canary_paused_at_first_pause, "Paused - CanaryPauseStep", id="paused"),
        pytest.param(objs.canary_aborted, "Degraded - RolloutAborted: Rollout aborted update to revision 2", id="degraded"),
    ],
)
def test_status_line(scene: Callable[[], dict], line: str) -> None:
    assert render.status_line(view.rollout_view(now=None, **scene())) == line
