"""The simulator's package surface is pinned: `__all__` is exactly the pure modules (the rest is imported by name).
Their purity is checked with every other pure module's in tests/test_layers.py."""

from __future__ import annotations

import rollouts.simulator


def test_exported_members() -> None:
    assert sorted(rollouts.simulator.__all__) == ["behaviour", "routes", "traffic"]
