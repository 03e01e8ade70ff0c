"""The public surface of rollouts.machinery is pinned: changing it must be a deliberate edit here."""

import rollouts.machinery


def test_exported_members() -> None:
    assert sorted(rollouts.machinery.__all__) == [
        "Clock",
        "Controller",
        "FakeClock",
        "GoneError",
        "IndexFunc",
        "Informer",
        "ListerWatcher",
        "NopQueueMetrics",
        "ObjectKey",
        "QueueMetrics",
        "QueueStats",
        "RealClock",
        "Reconcile",
        "Result",
        "Store",
        "TerminalError",
        "WatchEvent",
        "WorkQueue",
        "index_by_label",
        "index_by_owner_uid",
        "key_of",
    ]
    for name in rollouts.machinery.__all__:
        assert getattr(rollouts.machinery, name) is not None


def test_machinery_does_not_import_kubernetes() -> None:
    import ast
    import pathlib

    package = pathlib.Path(rollouts.machinery.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "kubernetes" or n.startswith("kubernetes.") for n in names), path
