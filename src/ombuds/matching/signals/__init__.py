"""Signal types: the main extension point. One module per type, one registry for all."""

from ombuds.matching.signals.base import IndexKind, SignalType
from ombuds.matching.signals.registry import SignalTypeRegistry, default_registry

__all__ = ["IndexKind", "SignalType", "SignalTypeRegistry", "default_registry"]
