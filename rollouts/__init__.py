"""A progressive delivery controller for Kubernetes that speaks Argo Rollouts' API (argoproj.io/v1alpha1)."""

__version__ = "0.1.0"
