"""Engine: the scope gate, the tiers, decisions and notices."""

from ombuds.engine.engine import Engine
from ombuds.engine.sinks import DecisionSink, MemorySink, StoreSink

__all__ = ["DecisionSink", "Engine", "MemorySink", "StoreSink"]
