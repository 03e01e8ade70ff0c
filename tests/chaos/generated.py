"""Generated specs for the chaos suite: real manifests (ours and Argo's), mutated at random paths with random
JSON values, deletions and type swaps, so that validation and the planners see every shape a user could apply.

Mutation beats generation from scratch: most mutants are still almost valid, so they get past the schema into the
decision code, where a crash would wedge a rollout.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[2]
CORPUS_DIRS = (REPO / "examples", REPO.parent / "shared" / "argo-manifests")
KINDS = ("Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun")


def corpus(kinds: tuple[str, ...] = KINDS) -> list[dict[str, Any]]:
    """Every document of these kinds in our examples and, when present beside the repo, Argo's manifests."""
    found: list[dict[str, Any]] = []
    for root in CORPUS_DIRS:
        for path in sorted(root.rglob("*.yaml")) if root.is_dir() else []:
            try:
                documents = list(yaml.safe_load_all(path.read_text()))
            except yaml.YAMLError:
                continue
            found += [doc for doc in documents if isinstance(doc, dict) and doc.get("kind") in kinds]
    return found


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "25%", "101%", "1h", "-5s", "{{args.x}}", "result[0] >=", "(a|a)*c", "NaN"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside `document` (dict keys and list indexes)."""
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from paths(value, (*prefix, index))


def _mutate(document: dict[str, Any], path: tuple[Any, ...], how: str, value: Any) -> dict[str, Any]:
    mutant = copy.deepcopy(document)
    if not path:
        return mutant
    parent: Any = mutant
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "replace":
        parent[last] = value
    elif how == "wrap":
        parent[last] = [parent[last]]
    elif how == "stringify":
        parent[last] = str(parent[last])
    return mutant


@st.composite
def mutants(draw: st.DrawFn, documents: list[dict[str, Any]]) -> dict[str, Any]:
    """A corpus document with one to four random mutations."""
    document = draw(st.sampled_from(documents))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        candidates = [path for path in paths(document) if path and path[0] not in ("apiVersion", "kind")]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        how = draw(st.sampled_from(["replace", "replace", "delete", "wrap", "stringify"]))
        document = _mutate(document, path, how, draw(VALUES) if how == "replace" else None)
    return with_server_fields(document)


def with_server_fields(document: dict[str, Any]) -> dict[str, Any]:
    """What the API server guarantees on any stored object, whatever the user sent: a metadata map with a name,
    namespace and uid."""
    metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
    name = metadata.get("name") if isinstance(metadata.get("name"), str) and metadata.get("name") else "chaos"
    return {**document, "metadata": {**metadata, "name": name, "namespace": "chaos", "uid": "0000-chaos"}}
