"""The local control plane: build it from pinned Go modules, run it on loopback."""
