"""Kept only for the tests that still import `format_time` from here; rollouts.api.gotext is the one home of Go's
time text (plan modules import it directly)."""

from rollouts.api.gotext import format_time

__all__ = ["format_time"]
