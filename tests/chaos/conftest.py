"""The chaos suite (`make chaos`, not part of `make test`): each scenario adds a row to one table, printed at the end
and written to tests/chaos/results/latest.md, with the columns every scenario must keep at 0."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # scenario helpers (generated.py) import by their plain name

COLUMNS = ("runs", "wrong outcomes", "needless ReplicaSet recreations", "duplicate runs", "tracebacks", "crashes")
RESULTS = Path(__file__).parent / "results"


@pytest.fixture(scope="session")
def chaos_table() -> Iterator[dict[str, dict[str, Any]]]:
    table: dict[str, dict[str, Any]] = {}
    yield table
    if not table:
        return
    header = "| scenario | " + " | ".join(COLUMNS) + " |"
    rows = [header, "|" + "---|" * (len(COLUMNS) + 1)]
    rows += [
        "| " + name + " | " + " | ".join(str(row.get(column, 0)) for column in COLUMNS) + " |"
        for name, row in table.items()
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text("\n".join(rows) + "\n")
    (RESULTS / "latest.json").write_text(json.dumps(table, indent=1) + "\n")
    print("\n" + "\n".join(rows))
