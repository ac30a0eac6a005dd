"""Running runs: the executor interface, the claim, workers and their heartbeats, and the sweeps.

The scheduler fires and records; executors run. See :mod:`app.workers.base`.
"""
