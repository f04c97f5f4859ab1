"""The registry of signal types. Built-ins arrive through the `ombuds.signal_types` entry-point
group exactly like third-party plugins, so the registry has one path for both."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points

from ombuds.errors import UnknownSignalTypeError
from ombuds.matching.signals.base import SignalType

ENTRY_POINT_GROUP = "ombuds.signal_types"


class SignalTypeRegistry:
    def __init__(self) -> None:
        self._types: dict[str, SignalType] = {}
        self._plugins_loaded = False

    def register(self, signal_type: type[SignalType]) -> type[SignalType]:
        """Register a signal type class (usable as a decorator). Names are unique."""
        name = signal_type.name
        existing = self._types.get(name)
        if existing is not None and type(existing) is not signal_type:
            raise ValueError(f"signal type '{name}' is already registered by {type(existing)}")
        self._types[name] = signal_type()
        return signal_type

    def load_plugins(self) -> None:
        """Register every signal type declared in the entry-point group (once).

        A type registered explicitly before this runs keeps its name: an application may
        replace a built-in on purpose.
        """
        if self._plugins_loaded:
            return
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self._types:
                continue
            cls = ep.load()
            if not (isinstance(cls, type) and issubclass(cls, SignalType)):
                raise TypeError(f"entry point {ep.value} is not a SignalType subclass")
            self.register(cls)
        self._plugins_loaded = True

    def get(self, name: str) -> SignalType:
        self.load_plugins()
        try:
            return self._types[name]
        except KeyError:
            known = ", ".join(sorted(self._types)) or "none"
            raise UnknownSignalTypeError(
                f"unknown signal type '{name}' (registered: {known})", field="signal_type"
            ) from None

    def names(self) -> list[str]:
        self.load_plugins()
        return sorted(self._types)

    def __iter__(self) -> Iterator[SignalType]:
        self.load_plugins()
        return iter(list(self._types.values()))

    def __contains__(self, name: object) -> bool:
        self.load_plugins()
        return name in self._types


_default: SignalTypeRegistry | None = None


def default_registry() -> SignalTypeRegistry:
    """The process-wide registry, created on first use (no work at import time)."""
    global _default
    if _default is None:
        _default = SignalTypeRegistry()
    return _default
