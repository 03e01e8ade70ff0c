"""`python -m rollouts.simulator`: the same as `rollouts simulate`."""

from rollouts.simulator.cli import simulate

simulate(prog_name="python -m rollouts.simulator")
