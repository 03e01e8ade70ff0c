"""Run a module under cProfile in every thread (cProfile alone sees only the main thread), and write the merged
statistics when the process exits: `python tests/benchmarks/profiled.py OUT.prof -m rollouts.cli controller ...`.
Log lines carry milliseconds.

The harness starts the controller this way when ROLLOUTS_BENCH_PROFILE names the output file. CPU time per
function is far less sensitive to other load on the machine than wall-clock latencies are.
"""

from __future__ import annotations

import atexit
import cProfile
import logging
import pstats
import runpy
import sys
import threading
import time

profiles: list[cProfile.Profile] = []
lock = threading.Lock()
original_run = threading.Thread.run


def profiled_run(self: threading.Thread) -> None:
    profile = cProfile.Profile()
    with lock:
        profiles.append(profile)
    profile.enable()
    try:
        original_run(self)
    finally:
        profile.disable()


def dump(path: str) -> None:
    with lock:
        found = [profile for profile in profiles if profile.getstats()]
    if found:
        stats = pstats.Stats(found[0])
        for profile in found[1:]:
            stats.add(profile)
        stats.dump_stats(path)


def milliseconds(_formatter: logging.Formatter, record: logging.LogRecord, _datefmt: str | None = None) -> str:
    """Log times to the millisecond: a reconcile takes a few of them."""
    return time.strftime("%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}"


def main() -> None:
    path, flag, module, *rest = sys.argv[1:]
    assert flag == "-m", "usage: profiled.py OUT.prof -m MODULE [ARGS...]"
    threading.Thread.run = profiled_run  # type: ignore[method-assign]
    logging.Formatter.formatTime = milliseconds  # type: ignore[method-assign,assignment]
    main_profile = cProfile.Profile()
    profiles.append(main_profile)
    atexit.register(dump, path)
    sys.argv = [module, *rest]
    main_profile.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        main_profile.disable()


if __name__ == "__main__":
    main()
