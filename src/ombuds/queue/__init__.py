"""Deferred work: a small queue interface, an in-process worker pool by default."""

from ombuds.queue.base import Done, Job, JobOutcome, WorkQueue, queue_backend
from ombuds.queue.synchronous import SynchronousQueue

__all__ = ["Done", "Job", "JobOutcome", "SynchronousQueue", "WorkQueue", "queue_backend"]
