"""Build the local control plane's binaries from pinned Go modules into a per-user cache.

The wrapper modules in `gobuild/` pin kube-apiserver, kube-controller-manager, kube-scheduler and kubectl (one
`k8s.io/kubernetes` release), the etcd that release is tested with, and kwok. Binaries land in
`<cache>/bin/<key>/`, where the key names every version and a digest of the wrapper modules, so a pin change
builds afresh and an unchanged pin costs one `stat` per binary.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

KUBERNETES_VERSION = "v1.36.3"
ETCD_VERSION = "v3.6.8"
KWOK_VERSION = "v0.8.0"

GOBUILD_DIR = Path(__file__).with_name("gobuild")
CONTROL_PLANE_MODULES = ("etcd", "k8s", "kwok")
KUBE_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
ALL_BINARIES = ("etcd", "kwok", *KUBE_BINARIES)
STAGES_FILE = "kwok-stages.yaml"

# kwok's own stage files, assembled from its module at build time: node init + lease heartbeat, pod ready/complete/delete.
KWOK_STAGE_FILES = (
    "kustomize/stage/node/fast/node-initialize.yaml",
    "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "kustomize/stage/pod/fast/pod-ready.yaml",
    "kustomize/stage/pod/fast/pod-complete.yaml",
    "kustomize/stage/pod/fast/pod-delete.yaml",
)

Progress = Callable[[str], None]


class BuildError(RuntimeError):
    """The control plane could not be built; the message says what to do."""


@dataclass(frozen=True)
class Toolchain:
    """Where the built binaries live."""

    bin_dir: Path

    def path(self, name: str) -> Path:
        return self.bin_dir / name

    @property
    def stages(self) -> Path:
        return self.bin_dir / STAGES_FILE


def cache_root() -> Path:
    """`$ROLLOUTS_CACHE_DIR`, else `$XDG_CACHE_HOME/rollouts`, else `~/.cache/rollouts`."""
    if explicit := os.environ.get("ROLLOUTS_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rollouts"


def cache_key() -> str:
    """Versions plus a digest of the wrapper modules: any pin change gives a new key."""
    digest = hashlib.sha256()
    # Only the control plane's modules: gobuild/argo (the conformance harness's) has its own cache key.
    for path in sorted(p for p in GOBUILD_DIR.glob("*/go.*") if p.parent.name in CONTROL_PLANE_MODULES):
        digest.update(path.relative_to(GOBUILD_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return f"k8s-{KUBERNETES_VERSION}_etcd-{ETCD_VERSION}_kwok-{KWOK_VERSION}_{digest.hexdigest()[:10]}"


def cached_toolchain() -> Toolchain | None:
    """The toolchain if every binary is already built, else None. Costs a few stats."""
    toolchain = Toolchain(cache_root() / "bin" / cache_key())
    complete = all(os.access(toolchain.path(name), os.X_OK) for name in ALL_BINARIES)
    return toolchain if complete and toolchain.stages.is_file() else None


def ensure_toolchain(progress: Progress = print) -> Toolchain:
    """Return the built toolchain, building whatever is missing first."""
    if toolchain := cached_toolchain():
        return toolchain
    go = find_go()
    toolchain = Toolchain(cache_root() / "bin" / cache_key())
    toolchain.bin_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    progress(f"building the local control plane into {toolchain.bin_dir} (cold build: 10-30 min on 2 cores)")
    _build(go, "etcd", {"etcd": "go.etcd.io/etcd/server/v3"}, toolchain, progress=progress)
    _build(go, "kwok", {"kwok": "sigs.k8s.io/kwok/cmd/kwok"}, toolchain, progress=progress)
    _build(
        go,
        "k8s",
        {name: f"k8s.io/kubernetes/cmd/{name}" for name in KUBE_BINARIES},
        toolchain,
        ldflags=_kubernetes_version_ldflags(),
        tags="notest,grpcnotrace",
        progress=progress,
    )
    _write_kwok_stages(go, toolchain)
    progress(f"control plane built in {time.monotonic() - started:.0f}s")
    return toolchain


def find_go() -> str:
    go = shutil.which("go") or next(
        (p for p in ("/usr/local/go/bin/go", "/usr/lib/go/bin/go") if os.access(p, os.X_OK)), None
    )
    if go is None:
        raise BuildError(
            "the `go` command was not found: install Go 1.26 or newer to build the local control plane, then retry"
        )
    return go


def _go_env() -> dict[str, str]:
    # Static binaries, no toolchain downloads, no VCS stamping from whatever checkout we are in.
    return {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-buildvcs=false"}


def _kubernetes_version_ldflags() -> str:
    # Unstamped builds report v0.0.0-master; clients and kwok read /version, so stamp both version packages.
    minor = KUBERNETES_VERSION.split(".")[1]
    flags = ["-s", "-w"]
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {package}.gitVersion={KUBERNETES_VERSION}",
            f"-X {package}.gitMajor=1",
            f"-X {package}.gitMinor={minor}",
            f"-X {package}.gitTreeState=clean",
        ]
    return " ".join(flags)


def _build(
    go: str,
    module_dir: str,
    packages: dict[str, str],
    toolchain: Toolchain,
    *,
    progress: Progress,
    ldflags: str = "-s -w",
    tags: str = "",
) -> None:
    """Build `packages` (binary name -> Go package) with the wrapper module in `gobuild/<module_dir>`."""
    if all(os.access(toolchain.path(name), os.X_OK) for name in packages):
        return
    label = ", ".join(packages)
    # One binary: name it explicitly (etcd's package would otherwise be called "v3"). Several: -o into the dir.
    output = str(toolchain.path(next(iter(packages)))) if len(packages) == 1 else f"{toolchain.bin_dir}/"
    command = [go, "build", "-trimpath", "-ldflags", ldflags, "-o", output]
    if tags:
        command += ["-tags", tags]
    command += list(packages.values())
    progress(f"  go build {label} ...")
    started = time.monotonic()
    stop = threading.Event()
    ticker = threading.Thread(target=_tick, args=(label, started, stop, progress), daemon=True)
    ticker.start()
    try:
        result = subprocess.run(command, cwd=GOBUILD_DIR / module_dir, env=_go_env(), capture_output=True, text=True)
    finally:
        stop.set()
    if result.returncode != 0:
        raise BuildError(f"go build {label} failed (exit {result.returncode}):\n{result.stderr[-4000:]}")
    progress(f"  built {label} in {time.monotonic() - started:.0f}s")


def _tick(label: str, started: float, stop: threading.Event, progress: Progress) -> None:
    while not stop.wait(60):
        progress(f"  ... still building {label} ({(time.monotonic() - started) / 60:.0f} min)")


def _write_kwok_stages(go: str, toolchain: Toolchain) -> None:
    result = subprocess.run(
        [go, "mod", "download", "-json", f"sigs.k8s.io/kwok@{KWOK_VERSION}"],
        cwd=GOBUILD_DIR / "kwok",
        env=_go_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BuildError(f"could not locate kwok's module for its stage files: {result.stderr.strip()}")
    module_dir = Path(json.loads(result.stdout)["Dir"])
    documents = [(module_dir / relative).read_text().strip() for relative in KWOK_STAGE_FILES]
    toolchain.stages.write_text("\n---\n".join(documents) + "\n")


def main() -> int:
    try:
        toolchain = ensure_toolchain(progress=lambda line: print(line, file=sys.stderr, flush=True))
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(toolchain.bin_dir)
    return 0
