"""Build Argo Rollouts' e2e test binary, controller and kubectl plugin from one pinned release.

The wrapper module `rollouts/cluster/gobuild/argo` pins the release and carries Argo's replace directives. Argo's
go.mod asks for a newer Go than the machine may have, so the go command fetches `GO_TOOLCHAIN` from the module
proxy. Binaries land in `<cache>/bin/<key>/` next to the control plane's, keyed by the release, the toolchain and
a digest of the wrapper module: a cache hit builds nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rollouts.cluster.build import GOBUILD_DIR, BuildError, cache_root, find_go

ARGO_VERSION = "v1.10.2"
ARGO_MODULE = "github.com/argoproj/argo-rollouts"
GO_TOOLCHAIN = "go1.27.3"
WRAPPER_DIR = GOBUILD_DIR / "argo"

E2E_BINARY = "argo-e2e.test"
CONTROLLER_BINARY = "argo-rollouts-controller"
PLUGIN_BINARY = "kubectl-argo-rollouts"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ArgoBuild:
    """Where the built Argo binaries live, and Argo's module source (fixtures, CRDs) in the Go module cache."""

    bin_dir: Path
    module_dir: Path

    def path(self, name: str) -> Path:
        return self.bin_dir / name

    @property
    def e2e_dir(self) -> Path:
        return self.module_dir / "test" / "e2e"

    @property
    def crds(self) -> Path:
        return self.module_dir / "manifests" / "crds"


def cache_key() -> str:
    digest = hashlib.sha256()
    for path in sorted(WRAPPER_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(WRAPPER_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return f"argo-rollouts-{ARGO_VERSION}_{GO_TOOLCHAIN}_{digest.hexdigest()[:10]}"


def bin_dir() -> Path:
    return cache_root() / "bin" / cache_key()


def _go_env() -> dict[str, str]:
    # Static binaries like Argo's release ones; the pinned toolchain comes from the module proxy.
    return {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": GO_TOOLCHAIN, "GOFLAGS": "-buildvcs=false"}


def _version_ldflags() -> str:
    # The plugin's `version` and the controller's start-up line report the release, not 99.99.99.
    package = f"{ARGO_MODULE}/utils/version"
    stamps = {"version": ARGO_VERSION.removeprefix("v"), "gitTag": ARGO_VERSION, "gitTreeState": "clean"}
    return " ".join(["-s", "-w", *(f"-X {package}.{name}={value}" for name, value in stamps.items())])


def _go_commands(build: ArgoBuild) -> dict[str, list[str]]:
    """Binary name -> go arguments, each writing to `<name>.partial` (renamed once complete)."""
    ldflags = _version_ldflags()

    def output(name: str) -> str:
        return str(build.path(name + ".partial"))

    return {
        CONTROLLER_BINARY: [
            "build",
            "-trimpath",
            "-ldflags",
            ldflags,
            "-o",
            output(CONTROLLER_BINARY),
            f"{ARGO_MODULE}/cmd/rollouts-controller",
        ],
        PLUGIN_BINARY: [
            "build",
            "-trimpath",
            "-ldflags",
            ldflags,
            "-o",
            output(PLUGIN_BINARY),
            f"{ARGO_MODULE}/cmd/kubectl-argo-rollouts",
        ],
        E2E_BINARY: [
            "test",
            "-c",
            "-vet=off",
            "-trimpath",
            "-tags",
            "e2e",
            "-o",
            output(E2E_BINARY),
            f"{ARGO_MODULE}/test/e2e",
        ],
    }


def ensure_argo(progress: Progress = print) -> ArgoBuild:
    """Return the built binaries, building whatever is missing first (a cache hit runs only `go mod download`)."""
    go = find_go()
    build = ArgoBuild(bin_dir(), _module_dir(go))
    build.bin_dir.mkdir(parents=True, exist_ok=True)
    for name, args in _go_commands(build).items():
        if os.access(build.path(name), os.X_OK):
            continue
        progress(f"go {args[0]} {name} (Argo Rollouts {ARGO_VERSION}, {GO_TOOLCHAIN}) ...")
        started = time.monotonic()
        result = subprocess.run([go, *args], cwd=WRAPPER_DIR, env=_go_env(), capture_output=True, text=True)
        if result.returncode != 0:
            raise BuildError(f"building {name} failed (exit {result.returncode}):\n{result.stderr[-4000:]}")
        # Renamed only when complete, so an interrupted build never looks like a cache hit.
        build.path(name + ".partial").rename(build.path(name))
        progress(f"built {name} in {time.monotonic() - started:.0f}s")
    return build


def _module_dir(go: str) -> Path:
    """Argo's source in the Go module cache (downloaded if needed): the e2e fixtures and the CRDs."""
    result = subprocess.run(
        [go, "mod", "download", "-json", f"{ARGO_MODULE}@{ARGO_VERSION}"],
        cwd=WRAPPER_DIR,
        env=_go_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BuildError(f"could not download {ARGO_MODULE}@{ARGO_VERSION}: {result.stderr.strip()}")
    return Path(json.loads(result.stdout)["Dir"])


def main() -> int:
    try:
        build = ensure_argo(progress=lambda line: print(line, file=sys.stderr, flush=True))
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(build.bin_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
