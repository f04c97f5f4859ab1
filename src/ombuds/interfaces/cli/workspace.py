"""The CLI's view of a workspace: settings plus a store opened on first use."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from ombuds.records import Store
from ombuds.settings import Settings, load_settings

# Tables and progress go to stderr when stdout carries machine-readable output.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class Workspace:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None

    @classmethod
    def from_options(cls, home: Path | None) -> Workspace:
        overrides: dict[str, object] = {} if home is None else {"home": home}
        return cls(load_settings(**overrides))

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store.open(self.settings.resolved_database_url())
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
