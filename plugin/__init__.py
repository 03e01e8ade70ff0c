"""The `kubectl rollouts` plugin."""
