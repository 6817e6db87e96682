"""Dispatch: getting "run job N" to a worker.

    embedded   worker threads inside ``mediamill serve`` (no broker; the default)
    celery     ``mediamill worker`` processes fed through RabbitMQ or Redis

Both call the same ``mediamill.jobs.runner.run_job``. The database, not the broker, is the
source of truth: a job is claimed atomically, its lease shows whether its worker is alive,
and a sweep re-dispatches jobs whose lease expired or whose message went missing. The broker
only makes dispatch fast.
"""
