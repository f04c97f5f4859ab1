"""Multi-pattern backends behind one interface, selected by name.

Backends are imported on first use, so an optional one (pyahocorasick) costs nothing unless
chosen.
"""

from __future__ import annotations

from importlib import import_module

from ombuds.errors import ConfigError
from ombuds.matching.text.backends.base import (
    Automaton,
    BackendFactory,
    BackendPatternError,
    LiteralHits,
    PatternSpec,
)

DEFAULT_BACKEND = "hyperscan"

# name -> "module:function" of its factory
_BUILTIN: dict[str, str] = {
    "hyperscan": "ombuds.matching.text.backends.hs:build",
    "pyahocorasick": "ombuds.matching.text.backends.aho:build",
}
_registered: dict[str, BackendFactory] = {}


def register_backend(name: str, factory: BackendFactory) -> None:
    """Add a backend (or replace one) under `name`."""
    _registered[name] = factory


def backend_names() -> list[str]:
    return sorted(set(_BUILTIN) | set(_registered))


def get_backend(name: str) -> BackendFactory:
    factory = _registered.get(name)
    if factory is not None:
        return factory
    target = _BUILTIN.get(name)
    if target is None:
        known = ", ".join(backend_names())
        raise ConfigError(
            f"unknown text-matching backend '{name}' (known: {known})", field="backend"
        )
    module, _, attr = target.partition(":")
    loaded: BackendFactory = getattr(import_module(module), attr)
    _registered[name] = loaded
    return loaded


__all__ = [
    "DEFAULT_BACKEND",
    "Automaton",
    "BackendFactory",
    "BackendPatternError",
    "LiteralHits",
    "PatternSpec",
    "backend_names",
    "get_backend",
    "register_backend",
]
