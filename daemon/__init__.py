"""Helpers of the scheduling daemon (``scheduler.py``): locks, schedules, logs, status.

``scheduler.py`` is the daemon itself; these modules each do one job for it and for the
``policywatch run`` / ``status`` commands (cli/run.py). See docs/daemon.md.
"""
