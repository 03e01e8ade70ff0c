"""The pure decision layer: from what was observed, decide what the cluster should look like next.

Nothing in this package does I/O, reads the clock or logs. Functions take plain values and
return plain values, so every rule can be pinned by a table test.
"""
