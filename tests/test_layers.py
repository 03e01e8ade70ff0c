"""The project's dependency rules, checked on the source: only `rollouts.kube` imports the Kubernetes client, and the
pure decision modules import nothing that does I/O or reads the clock.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("rollouts", "analysis", "plugin")
PURE = (
    "rollouts/plan",
    "rollouts/api",
    "analysis/expressions",
    "analysis/nodata.py",
    "analysis/assess.py",
    "analysis/decide",
    "analysis/judge",
    "rollouts/traffic",
    "rollouts/simulator/behaviour.py",
    "rollouts/simulator/traffic.py",
    "rollouts/simulator/sampling.py",
    "rollouts/simulator/routes.py",
    "rollouts/demo/summary.py",
    "rollouts/demo/progress.py",
    "rollouts/demo/routers.py",
    *(f"plugin/{name}.py" for name in ("intents", "view", "render", "phases", "pods", "icons", "raw", "durations", "lint")),
)
# Loaded (directly or not) by a pure module in a fresh interpreter, any of these means I/O crept in.
LOADED_BY_IO = ("kubernetes", "urllib3", "requests", "rollouts.kube.client", "rollouts.machinery", "rollouts.controller", "prometheus_client", "rich")
# What a pure module must not import: clients, sockets, processes, the API adapters, the runtime.
IMPURE = ("kubernetes", "urllib3", "requests", "socket", "subprocess", "http", "prometheus_api_client", "rollouts.kube", "rollouts.machinery", "rollouts.controller")


def imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def sources(*roots: str) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        path = REPO / root
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


@pytest.mark.parametrize("path", sources(*PACKAGES), ids=lambda p: str(p.relative_to(REPO)))
def test_only_rollouts_kube_imports_the_kubernetes_client(path: Path) -> None:
    if path.is_relative_to(REPO / "rollouts" / "kube"):
        return
    offending = [name for name in imports(path) if name == "kubernetes" or name.startswith("kubernetes.")]
    assert offending == [], f"{path.relative_to(REPO)} imports {offending}; go through rollouts.kube"


@pytest.mark.parametrize("path", sources(*PURE), ids=lambda p: str(p.relative_to(REPO)))
def test_pure_modules_do_no_io(path: Path) -> None:
    offending = [name for name in imports(path) if any(name == bad or name.startswith(bad + ".") for bad in IMPURE)]
    assert offending == [], f"{path.relative_to(REPO)} is pure but imports {offending}"


@pytest.mark.parametrize("path", sources(*PURE), ids=lambda p: str(p.relative_to(REPO)))
def test_pure_modules_take_no_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    calls = [
        ast.unparse(node.func)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(("datetime.now", "time.time", "time.monotonic", "time.sleep", "date.today"))
    ]
    assert calls == [], f"{path.relative_to(REPO)} reads the clock: {calls}; take `now` as an argument"


# One interpreter loads the third-party libraries and rollouts.api once (checked: nothing that does I/O), then forks
# a child per pure module to import it: each child is as good as a fresh interpreter for this check, and the whole
# check takes seconds instead of minutes (a fresh `python -c` per module rebuilt every pydantic model each time).
FORK_PER_MODULE = """
import importlib, json, os, sys
request = json.load(sys.stdin)
loaded = lambda: ",".join(sorted(name for name in request["io"] if name in sys.modules))
for name in request["baseline"]:
    importlib.import_module(name)
answers = {"": loaded()}
for module in request["modules"]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(module)
            answer = loaded()
        except BaseException as error:
            answer = f"import failed: {error!r}"
        os.write(write, answer.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        answers[module] = pipe.read()
    os.waitpid(pid, 0)
print(json.dumps(answers))
"""


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


BASELINE = ("pydantic", "yaml", "re2", "numpy", "scipy.stats", *(module_name(path) for path in sources("rollouts/api")))


def io_loaded_by(modules: list[str]) -> dict[str, str]:
    """What each module (by name) loads from LOADED_BY_IO, comma-separated ("" for the shared baseline)."""
    request = {"io": LOADED_BY_IO, "baseline": BASELINE, "modules": modules}
    result = subprocess.run([sys.executable, "-c", FORK_PER_MODULE], input=json.dumps(request), capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    answers: dict[str, str] = json.loads(result.stdout)
    assert answers[""] == "", f"the shared baseline {BASELINE} loads {answers['']}"
    return answers


@pytest.fixture(scope="module")
def loaded_by_pure_modules() -> dict[str, str]:
    return io_loaded_by([module_name(path) for path in sources(*PURE)])


@pytest.mark.parametrize("path", sources(*PURE), ids=lambda p: str(p.relative_to(REPO)))
def test_pure_modules_load_nothing_that_does_io(path: Path, loaded_by_pure_modules: dict[str, str]) -> None:
    """Checked in a fresh interpreter (forked, see FORK_PER_MODULE), so what other tests imported cannot hide a stray
    (indirect) import."""
    if path.name == "__init__.py":
        return
    module = module_name(path)
    assert loaded_by_pure_modules[module] == "", f"{module} loads {loaded_by_pure_modules[module]}"
