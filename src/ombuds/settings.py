"""The one settings object: `OMBUDS_*` variables over an optional TOML file over defaults.

Every field's description is its documentation; a test checks the README lists each one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ombuds.errors import ConfigError

MiB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OMBUDS_", extra="forbid", frozen=True)

    home: Path = Field(
        default=Path(".ombuds"),
        description="Workspace folder: the SQLite database and index snapshots live here.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store; default: SQLite file `<home>/ombuds.db`. "
        "Use `postgresql+psycopg://user@host/db` for PostgreSQL.",
    )
    max_file_bytes: int = Field(
        default=256 * MiB,
        gt=0,
        description="Largest image or file Ombuds reads; larger ones are rejected as unscannable.",
    )
    max_text_chars: int = Field(
        default=100_000,
        gt=0,
        description="Longest text message matched; longer text is matched on its first part only.",
    )
    text_backend: Literal["hyperscan", "pyahocorasick"] = Field(
        default="hyperscan",
        description="Multi-pattern engine for lexicons (hyperscan is the faster; see benchmarks).",
    )
    appeal_url: str = Field(
        default="https://example.invalid/appeals",
        description="Where notices tell users to appeal; the notice id is appended.",
    )
    retention_days: int = Field(
        default=180,
        ge=1,
        le=36_500,
        description="Days decisions keep personal ids (author and conversation ids, text "
        "found in content); `ombuds purge` then removes them, keeping digests.",
    )
    purge_interval_s: float = Field(
        default=3600.0,
        ge=0,
        le=7 * 86_400,
        description="How often `ombuds serve` applies retention itself (the work of "
        "`ombuds purge`, in small batches); 0 turns it off, e.g. to run `ombuds purge` "
        "from cron instead.",
    )
    report_epsilon_budget: float = Field(
        default=3.0,
        gt=0,
        le=100,
        description="Differential-privacy budget of transparency reports: the ε of all "
        "releases whose windows overlap may add up to this much; a release beyond it is "
        "refused (`ombuds report transparency`, `POST /v1/reports/transparency`).",
    )
    key_use_flush_s: float = Field(
        default=60.0,
        gt=0,
        le=3_600,
        description="How often `ombuds serve` ledgers API key use (request counts per key, "
        "route and status); also at shutdown.",
    )
    follow_interval_s: float = Field(
        default=2.0,
        ge=0,
        le=3_600,
        description="How often `ombuds serve` reads the ledger for bank, lexicon and policy "
        "changes made by other processes (the CLI, other servers) and applies them; 0 turns "
        "this off.",
    )
    ocr: bool = Field(
        default=True,
        description="Read text inside images (deferred tier) when a policy has lexicons; "
        "needs the `ocr` extra.",
    )
    decision_writer: Literal["process", "thread"] = Field(
        default="process",
        description="What records decisions for `ombuds serve`: `process` (a process of its "
        "own, so recording runs on another core instead of competing with requests for the "
        "server's GIL) or `thread` (a thread of the server). An in-memory SQLite database "
        "always uses `thread`.",
    )
    queue: Literal["process", "sync"] = Field(
        default="process",
        description="Deferred tier queue: `process` (worker processes) or `sync` (in the "
        "caller, for scripts and tests).",
    )
    deferred_workers: int = Field(
        default=1, ge=1, le=64, description="Worker processes for the deferred tier."
    )
    deferred_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Longest one image or document may take in the deferred tier; then it "
        "is unscannable.",
    )
    debug: bool = Field(
        default=False, description="Show Python tracebacks for unexpected errors in the CLI."
    )
    max_request_bytes: int = Field(
        default=64 * MiB,
        gt=0,
        description="Largest HTTP request body `ombuds serve` accepts (413 above it); base64 "
        "adds a third to a file's size.",
    )
    request_timeout_s: float = Field(
        default=30.0,
        ge=0,
        description="Longest `ombuds serve` spends on one request, body included: 408 when "
        "the body is still arriving, 503 when handling runs over; 0 turns the limit off.",
    )
    keep_alive_s: float = Field(
        default=5.0,
        gt=0,
        description="How long `ombuds serve` keeps an idle HTTP connection open.",
    )
    webhook_max_attempts: int = Field(
        default=5,
        ge=1,
        le=20,
        description="Attempts per webhook delivery (the first included) before it is given up.",
    )
    webhook_backoff_s: float = Field(
        default=0.5,
        ge=0,
        description="Delay before the first webhook retry; doubled at each further retry, "
        "with jitter.",
    )
    webhook_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Connect and read timeout of one webhook attempt.",
    )
    webhook_queue_size: int = Field(
        default=10_000,
        ge=1,
        description="Webhook deliveries waiting at most; beyond it new ones are dropped and "
        "counted, so the deferred tier never waits.",
    )
    webhook_workers: int = Field(
        default=4, ge=1, le=64, description="Threads sending webhook deliveries."
    )
    metrics_public: bool = Field(
        default=False,
        description="Serve `GET /metrics` without an API key (for a loopback bind or a "
        "private scrape network); otherwise it needs an admin or auditor key.",
    )
    console_secure_cookie: bool = Field(
        default=True,
        description="Mark the console's session cookie `Secure` (sent over HTTPS only; "
        "browsers also send it to http://127.0.0.1 and localhost). Set false only behind "
        "a trusted plain-HTTP hop.",
    )
    console_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="Console sessions end after this many minutes without a request (and "
        "after 12 hours in any case).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = os.environ.get("OMBUDS_CONFIG")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'ombuds.db'}"


# `OMBUDS_CONFIG` names the optional TOML file; it is read by `load_settings`, not a field.
CONFIG_FILE_VARIABLE = "OMBUDS_CONFIG"


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation problems into a ConfigError that names the field."""
    config_file = os.environ.get(CONFIG_FILE_VARIABLE)
    if config_file and not Path(config_file).is_file():
        raise ConfigError(f"config file not found: {config_file}", field=CONFIG_FILE_VARIABLE)
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        raise ConfigError(first["msg"], field=f"OMBUDS_{name.upper()}", file=config_file) from exc
    except ValueError as exc:  # a malformed TOML file
        raise ConfigError(str(exc), file=config_file) from exc
