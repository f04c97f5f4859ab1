"""Deferred work: a small queue interface; worker processes by default (pool.py)."""

from ombuds.queue.base import Done, Job, JobOutcome, WorkQueue, queue_backend
from ombuds.queue.synchronous import SynchronousQueue

__all__ = ["Done", "Job", "JobOutcome", "SynchronousQueue", "WorkQueue", "queue_backend"]
