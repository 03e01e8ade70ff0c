"""The Rollout controller: wiring informers, queue and workers to the pure planner and the executor."""
