"""Views → lines of text, laid out exactly as Argo Rollouts' CLI prints them. Pure: no I/O, no clock.

* `rollout_lines`: the `get rollout` page: a header of `%-17s` label/value lines, a blank line, then the tree
  `NAME KIND STATUS AGE INFO` with ⟳ # ⧉ □ Σ α ⊞ kind icons and ├── └── │ branches;
* `list_lines` / `list_row_line`: the `list rollouts` table;
* `status_line`: `Phase[ - message]` for `status`.

Columns are aligned like Go's tabwriter (width = widest cell + 2; the last cell is not padded) measuring the
visible characters only, so ANSI colours never shift a column. Colour is a parameter: callers decide it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from plugin import icons
from plugin.view import (
    AnalysisRunView,
    ExperimentView,
    ImageView,
    ReplicaSetView,
    RevisionView,
    RolloutRow,
    RolloutView,
)

# Kind icons of the tree.
ICON_ROLLOUT = "⟳"
ICON_REVISION = "#"
ICON_REPLICASET = "⧉"
ICON_POD = "□"
ICON_JOB = "⊞"
ICON_EXPERIMENT = "Σ"
ICON_ANALYSIS = "α"

RED, GREEN, YELLOW, HI_BLUE = 31, 32, 33, 94
COLORS = {
    icons.WAITING: YELLOW,
    icons.PROGRESSING: HI_BLUE,
    icons.WARNING: RED,
    icons.UNKNOWN: YELLOW,
    icons.OK: GREEN,
    icons.BAD: RED,
    "canary": YELLOW,
    "stable": GREEN,
    "active": GREEN,
    "preview": HI_BLUE,
    "ping": HI_BLUE,
    "pong": HI_BLUE,
    "Pending": HI_BLUE,
    "Running": HI_BLUE,
}
"""ANSI colour of icons, ReplicaSet tags, and names of analysis runs/jobs/experiments by phase."""

HEADER_WIDTH = 17
TREE_HEADER = ["NAME", "KIND", "STATUS", "AGE", "INFO"]
LIST_HEADER = ["NAME", "STRATEGY", "STATUS", "STEP", "SET-WEIGHT", "READY", "DESIRED", "UP-TO-DATE", "AVAILABLE"]
LIST_MIN_WIDTHS = [10, 9, 12, 4, 10, 5, 7, 10, 9]
"""Each list cell is first padded to these widths (Argo's format string), then the columns are aligned."""

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


# ---- get rollout ---------------------------------------------------------------------------------------------


def rollout_lines(view: RolloutView, *, color: bool = False) -> list[str]:
    """The whole `get rollout` page: header, blank line, tree."""
    return [*header_lines(view, color=color), "", *tree_lines(view, color=color)]


def header_lines(view: RolloutView, *, color: bool = False) -> list[str]:
    paint = _Paint(color)
    lines = [
        _field("Name:", view.name),
        _field("Namespace:", view.namespace),
        _field("Status:", f"{paint(view.icon)} {view.status}"),
    ]
    if view.message:
        lines.append(_field("Message:", view.message))
    lines.append(_field("Strategy:", view.strategy))
    if view.strategy == "Canary":
        lines += [
            _field("  Step:", view.step),
            _field("  SetWeight:", view.set_weight),
            _field("  ActualWeight:", view.actual_weight),
        ]
    for index, image in enumerate(view.images):
        lines.append(_field("Images:" if index == 0 else "", _image_text(image, paint)))
    lines.append("Replicas:")
    for label, value in (
        ("  Desired:", view.desired),
        ("  Current:", view.current),
        ("  Updated:", view.updated),
        ("  Ready:", view.ready),
        ("  Available:", view.available),
    ):
        lines.append(_field(label, value))
    return lines


def tree_lines(view: RolloutView, *, color: bool = False) -> list[str]:
    """`NAME KIND STATUS AGE INFO` rows: the Rollout, then each revision with what belongs to it."""
    paint = _Paint(color)
    rows = [TREE_HEADER, [f"{ICON_ROLLOUT} {view.name}", "Rollout", f"{paint(view.icon)} {view.status}", view.age, ""]]
    for index, revision in enumerate(view.revisions):
        prefix, child = _branches(index == len(view.revisions) - 1, "")
        rows += _revision_rows(revision, prefix, child, paint)
    return align(rows)


def _revision_rows(revision: RevisionView, prefix: str, child: str, paint: _Paint) -> list[list[str]]:
    rows = [[f"{prefix}{ICON_REVISION} revision:{revision.number}", "", " ", "", ""]]
    children: list[ReplicaSetView | ExperimentView | AnalysisRunView] = [
        *revision.replicasets,
        *revision.experiments,
        *revision.analysis_runs,
    ]
    for index, item in enumerate(children):
        item_prefix, item_child = _branches(index == len(children) - 1, child)
        rows += _item_rows(item, item_prefix, item_child, paint)
    return rows


def _item_rows(
    item: ReplicaSetView | ExperimentView | AnalysisRunView, prefix: str, child: str, paint: _Paint
) -> list[list[str]]:
    if isinstance(item, ReplicaSetView):
        return _replicaset_rows(item, prefix, child, paint)
    if isinstance(item, ExperimentView):
        return _experiment_rows(item, prefix, child, paint)
    return _analysis_run_rows(item, prefix, child, paint)


def _replicaset_rows(rs: ReplicaSetView, prefix: str, child: str, paint: _Paint) -> list[list[str]]:
    info = [paint(tag) for tag in rs.tags]
    if rs.scale_down_delay is not None:
        info.append(f"delay:{rs.scale_down_delay}")
    name = paint(rs.name, rs.tags[-1]) if rs.tags else rs.name
    rows = [
        [f"{prefix}{ICON_REPLICASET} {name}", "ReplicaSet", f"{paint(rs.icon)} {rs.status}", rs.age, ",".join(info)]
    ]
    for index, pod in enumerate(rs.pods):
        pod_prefix, _ = _branches(index == len(rs.pods) - 1, child)
        pod_info = [f"ready:{pod.ready}"] + ([f"restarts:{pod.restarts}"] if pod.restarts > 0 else [])
        rows.append(
            [
                f"{pod_prefix}{ICON_POD} {pod.name}",
                "Pod",
                f"{paint(pod.icon)} {pod.status}",
                pod.age,
                ",".join(pod_info),
            ]
        )
    return rows


def experiment_lines(experiment: ExperimentView, namespace: str, message: str, *, color: bool = False) -> list[str]:
    """The `get experiment` page: header, blank line, then the Experiment with its ReplicaSets and AnalysisRuns."""
    paint = _Paint(color)
    lines = [
        _field("Name:", experiment.name),
        _field("Namespace:", namespace),
        _field("Status:", f"{paint(experiment.icon)} {experiment.status}"),
    ]
    if message:
        lines.append(_field("Message:", message))
    images = list(dict.fromkeys(image for rs in experiment.replicasets for image in rs.images))
    lines += [_field("Images:" if index == 0 else "", image) for index, image in enumerate(images)]
    return [*lines, "", *align([TREE_HEADER, *_experiment_rows(experiment, "", "", paint)])]


def _experiment_rows(experiment: ExperimentView, prefix: str, child: str, paint: _Paint) -> list[list[str]]:
    name = paint(experiment.name, experiment.status)
    rows = [
        [
            f"{prefix}{ICON_EXPERIMENT} {name}",
            "Experiment",
            f"{paint(experiment.icon)} {experiment.status}",
            experiment.age,
            "",
        ]
    ]
    children: list[ReplicaSetView | AnalysisRunView] = [*experiment.replicasets, *experiment.analysis_runs]
    for index, item in enumerate(children):
        item_prefix, item_child = _branches(index == len(children) - 1, child)
        rows += _item_rows(item, item_prefix, item_child, paint)
    return rows


def _analysis_run_rows(run: AnalysisRunView, prefix: str, child: str, paint: _Paint) -> list[list[str]]:
    counts = [
        (icons.OK, run.successful),
        (icons.BAD, run.failed),
        (icons.UNKNOWN, run.inconclusive),
        (icons.WARNING, run.error),
    ]
    info = ",".join(f"{paint(icon)} {count}" for icon, count in counts if count > 0)
    rows = [
        [
            f"{prefix}{ICON_ANALYSIS} {paint(run.name, run.status)}",
            "AnalysisRun",
            f"{paint(run.icon)} {run.status}",
            run.age,
            info,
        ]
    ]
    for index, job in enumerate(run.jobs):
        job_prefix, _ = _branches(index == len(run.jobs) - 1, child)
        rows.append(
            [
                f"{job_prefix}{ICON_JOB} {paint(job.name, job.status)}",
                "Job",
                f"{paint(job.icon)} {job.status}",
                job.age,
                "",
            ]
        )
    return rows


def _branches(last: bool, indent: str) -> tuple[str, str]:
    """(this item's prefix, its children's indent)."""
    return (indent + "└──", indent + "   ") if last else (indent + "├──", indent + "│  ")


def _image_text(image: ImageView, paint: _Paint) -> str:
    if not image.tags:
        return image.image
    return f"{image.image} ({', '.join(paint(tag) for tag in image.tags)})"


def _field(label: str, value: object) -> str:
    return f"{label:<{HEADER_WIDTH}}{value}"


# ---- list rollouts / status ------------------------------------------------------------------------------------


def list_lines(rows: Iterable[RolloutRow], *, all_namespaces: bool = False) -> list[str]:
    """The `list rollouts` table, header first."""
    header = (["NAMESPACE"] if all_namespaces else []) + LIST_HEADER
    return align([header, *(_list_cells(row, all_namespaces) for row in rows)])


def list_row_line(row: RolloutRow, *, all_namespaces: bool = False) -> str:
    """One row on its own, as `list rollouts --watch` prints a changed rollout."""
    return align([_list_cells(row, all_namespaces)])[0]


def _list_cells(row: RolloutRow, all_namespaces: bool) -> list[str]:
    values: list[object] = [
        row.name,
        row.strategy,
        row.status,
        row.step,
        row.set_weight,
        row.ready,
        row.desired,
        row.up_to_date,
        row.available,
    ]
    cells = [f"{value!s:<{width}}" for value, width in zip(values, LIST_MIN_WIDTHS, strict=True)]
    return ([f"{row.namespace:<9}"] if all_namespaces else []) + cells


def status_line(view: RolloutView) -> str:
    """`Healthy`, or `Paused - CanaryPauseStep`: the phase, and the message when there is one."""
    return f"{view.status} - {view.message}" if view.message else view.status


# ---- layout and colour -----------------------------------------------------------------------------------------


def align(rows: Sequence[Sequence[str]], *, padding: int = 2) -> list[str]:
    """Tabwriter layout of rows of equal length: every cell but the last padded to its column's widest + padding."""
    if not rows:
        return []
    columns = max(len(row) for row in rows) - 1
    widths = [
        max((visible_width(row[i]) for row in rows if len(row) > i + 1), default=0) + padding for i in range(columns)
    ]
    lines = []
    for row in rows:
        cells = [cell + " " * (widths[i] - visible_width(cell)) for i, cell in enumerate(row[:-1])]
        lines.append("".join(cells) + (row[-1] if row else ""))
    return lines


def visible_width(text: str) -> int:
    """Characters a terminal shows: ANSI colour codes take no room."""
    return len(_ANSI.sub("", text))


def strip_colors(text: str) -> str:
    return _ANSI.sub("", text)


class _Paint:
    """Wraps words in ANSI colour codes by Argo's table (icon, tag, or a given phase); a no-op without colour."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, key: str | None = None) -> str:
        code = COLORS.get(text if key is None else key)
        if not self.enabled or code is None:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"
