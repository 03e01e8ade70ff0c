"""The demo's own processes (rollouts.demo.processes) with real child processes, and Prometheus' pure config.

We test these aspects:
* a started process is recorded (pid file and processes.json with its command line) and logs to logs/<name>.log;
* `stop_recorded`, as `rollouts demo --down` calls it from another process, stops the recorded processes (their
  whole process groups) and forgets them; a second call finds nothing;
* a recorded pid now running something else (a recycled pid) is left alone;
* `check_alive` names a process that exited and quotes its log;
* a process bound to its parent dies with it (PR_SET_PDEATHSIG);
* Prometheus' configuration scrapes each target every second.

Not tested here: the demo's real components (test_demo_e2e.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rollouts.demo import processes, prometheus


def gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_start_records_and_stop_recorded_stops(tmp_path: Path) -> None:
    started = processes.Processes(tmp_path, bound_to_parent=True)
    # A shell whose child sleeps: the child is in the same process group, so stopping the group stops both.
    started.start("sleeper", ["/bin/sh", "-c", "echo hello; sleep 300 & wait"])
    started.start("other", ["sleep", "301"])
    pids = processes.recorded_pids(tmp_path)
    assert set(pids) == {"sleeper", "other"}
    assert (tmp_path / "pids" / "sleeper.pid").read_text().strip() == str(pids["sleeper"])
    assert json.loads((tmp_path / processes.RECORD_FILE).read_text())["other"]["argv"] == ["sleep", "301"]
    deadline = time.monotonic() + 10
    while "hello" not in started.log("sleeper").read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "hello" in started.log("sleeper").read_text()
    found = subprocess.run(["pgrep", "-g", str(pids["sleeper"]), "-x", "sleep"], capture_output=True, text=True, check=True)
    grandchild = int(found.stdout.split()[0])

    assert processes.stop_recorded(tmp_path) == ["other", "sleeper"]  # newest first
    assert all(wait_gone(pid) for pid in [*pids.values(), grandchild])
    assert processes.recorded_pids(tmp_path) == {}
    assert processes.stop_recorded(tmp_path) == []
    assert not list((tmp_path / "pids").glob("*.pid"))
    assert started.stop() == []


def test_a_recycled_pid_is_left_alone(tmp_path: Path) -> None:
    stranger = subprocess.Popen(["sleep", "302"], start_new_session=True)
    try:
        records = {"prometheus": {"pid": stranger.pid, "argv": ["/usr/bin/prometheus", "--config.file=x"]}}
        (tmp_path / processes.RECORD_FILE).write_text(json.dumps(records))
        assert processes.recorded_pids(tmp_path) == {}
        assert processes.stop_recorded(tmp_path) == []
        assert stranger.poll() is None, "a process that is not the recorded command must survive"
    finally:
        stranger.kill()
        stranger.wait()


def test_check_alive_names_the_dead_and_quotes_its_log(tmp_path: Path) -> None:
    started = processes.Processes(tmp_path, bound_to_parent=True)
    started.start("broken", ["/bin/sh", "-c", "echo 'cannot bind :9090'; exit 3"])
    deadline = time.monotonic() + 10
    with pytest.raises(processes.ProcessError) as raised:
        while time.monotonic() < deadline:
            started.check_alive()
            time.sleep(0.05)
    assert "broken exited with code 3" in str(raised.value)
    assert "cannot bind :9090" in str(raised.value)
    started.stop()


def test_bound_processes_die_with_their_parent(tmp_path: Path) -> None:
    # A parent that starts a bound `sleep`, prints its pid and exits at once: the kernel must kill the sleep.
    script = (
        "import sys, pathlib; from rollouts.demo import processes; "
        f"p = processes.Processes(pathlib.Path({str(tmp_path)!r}), bound_to_parent=True); "
        "p.start('orphan', ['sleep', '303']); print(processes.recorded_pids(p.dir)['orphan'])"
    )
    pid = int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
    assert wait_gone(pid), "the bound process outlived its parent"


def test_prometheus_config_scrapes_every_second() -> None:
    config = prometheus.config({"simulator": "127.0.0.1:9101", "rollouts-controller": "127.0.0.1:8090"})
    assert config["global"]["scrape_interval"] == "1s"
    assert config["scrape_configs"] == [
        {"job_name": "simulator", "static_configs": [{"targets": ["127.0.0.1:9101"]}]},
        {"job_name": "rollouts-controller", "static_configs": [{"targets": ["127.0.0.1:8090"]}]},
    ]
    command = prometheus.command(binary=Path("/usr/bin/prometheus"), config_file=Path("/d/p.yml"), data_dir=Path("/d/data"), port=9999)
    assert command[:4] == ["/usr/bin/prometheus", "--config.file=/d/p.yml", "--storage.tsdb.path=/d/data", "--web.listen-address=127.0.0.1:9999"]
