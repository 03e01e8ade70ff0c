"""The Experiment controller: informers → queue → `rollouts.plan.experiments.decide` → execute (`controller`)."""

from rollouts.controller.experiments.controller import ExperimentController

__all__ = ["ExperimentController"]
