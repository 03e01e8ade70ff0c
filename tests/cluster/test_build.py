"""The control-plane build step: a cache hit costs nothing, and a missing Go toolchain is one clear line.

Aspects: with every binary cached, `rollouts cluster build` prints the cache directory and builds nothing;
without Go (and nothing cached), the command fails with a single line that says what to install.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rollouts import cli
from rollouts.cluster import build


def test_cached_toolchain_is_found_without_building(cluster) -> None:
    cached = build.cached_toolchain()
    assert cached is not None, "the session's cluster was built from the cache"
    result = CliRunner().invoke(cli.main, ["cluster", "build"])
    assert result.exit_code == 0
    assert result.output.strip() == str(cached.bin_dir)


def test_missing_go_is_one_line_saying_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLOUTS_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(build.shutil, "which", lambda _name: None)
    monkeypatch.setattr(build.os, "access", lambda _path, _mode: False)
    result = CliRunner().invoke(cli.main, ["cluster", "build"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == ["Error: the `go` command was not found: install Go 1.26 or newer to build the local control plane, then retry"]
