"""Process plumbing shared by the local cluster and the demo: free loopback ports, child processes bound to their
parent, and stopping a process group for good."""

from __future__ import annotations

import ctypes
import os
import random
import signal
import socket
import time
from contextlib import suppress
from pathlib import Path


def free_ports(count: int) -> list[int]:
    """`count` distinct TCP ports on 127.0.0.1 that nothing uses right now (all held open while choosing), picked at
    random below the kernel's ephemeral range: the components bind them seconds later, and meanwhile no bind(0) or
    outgoing connection anywhere on the machine can be handed one of them."""
    sockets: list[socket.socket] = []
    low, high = _below_ephemeral()
    try:
        for _ in range(count * 100):
            if len(sockets) == count:
                break
            sock = socket.socket()
            sockets.append(sock)
            try:
                sock.bind(("127.0.0.1", _RANDOM.randint(low, high)))
            except OSError:
                sockets.pop().close()  # in use: pick again
        while len(sockets) < count:  # that range is crowded: let the kernel choose
            sockets.append(socket.socket())
            sockets[-1].bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


_RANDOM = random.SystemRandom()  # not the `random` module's state, which tests may seed


def _below_ephemeral() -> tuple[int, int]:
    try:
        start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        start = 32768  # Linux's default
    return 10000, max(10001, start - 1)


def die_with_parent() -> None:
    """For `preexec_fn`: runs in the child between fork and exec and asks the kernel to SIGKILL it when the parent dies."""
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (a zombie is gone for our purposes)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


KILL_GRACE = 5.0


def terminate_group(pid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)


def wait_gone(pid: int, deadline: float) -> None:
    """Wait until `pid` is gone, SIGKILLing its group at the monotonic `deadline`; reap it if it is our child.

    A SIGKILLed process is not gone at once (the kernel still tears it down, slowly on a busy machine): it gets
    `KILL_GRACE` more seconds."""
    killed = False
    while alive(pid):
        with suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)
        if time.monotonic() > deadline:
            if killed:
                break
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            killed, deadline = True, time.monotonic() + KILL_GRACE
        time.sleep(0.05)
    with suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
