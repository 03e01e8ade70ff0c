"""`wait_gone`: a process that ignores SIGTERM is SIGKILLed at the deadline, and is gone when `wait_gone` returns
(`cluster down` under load used to return while the kernel was still tearing a killed kube-apiserver down)."""

from __future__ import annotations

import subprocess
import time

from rollouts.cluster import processes


def test_a_process_that_ignores_sigterm_is_gone_when_wait_gone_returns() -> None:
    # a grandchild in its own group, so `wait_gone` cannot reap it: it is gone only once the kernel is done with it
    stubborn = subprocess.Popen(["sh", "-c", "trap '' TERM; sleep 60 & wait; sleep 60"], start_new_session=True)
    try:
        time.sleep(0.3)  # the trap is set
        processes.terminate_group(stubborn.pid)
        processes.wait_gone(stubborn.pid, time.monotonic() + 0.5)
        stubborn.poll()
        assert stubborn.returncode is not None or not processes.alive(stubborn.pid)
    finally:
        stubborn.kill()
        stubborn.wait()
