"""free_ports: ports for components that bind them seconds later (under load, many seconds), so they come from
below the kernel's ephemeral range: no bind(0) and no outgoing connection anywhere on the machine is given one of
them meanwhile (a kube-controller-manager once failed with "address already in use" in a parallel test run).
"""

from __future__ import annotations

import socket
from pathlib import Path

from rollouts.cluster.processes import free_ports


def ephemeral_start() -> int:
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def test_ports_are_distinct_free_and_below_the_ephemeral_range() -> None:
    ports = free_ports(50)
    assert len(set(ports)) == 50
    assert all(1024 < port < ephemeral_start() for port in ports), ports
    for port in ports:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))

