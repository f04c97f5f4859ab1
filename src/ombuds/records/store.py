"""The store: one facade over the repositories, returning domain objects only."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from ombuds.domain import Bank, BankEntry, Case, CaseStatus, Decision, Lexicon, Outcome, Policy
from ombuds.records.database import create_store_engine, upgrade
from ombuds.records.ledger import LedgerEntry, LedgerQuery, Record, Verification
from ombuds.records.ledger.repo import LedgerRepository
from ombuds.records.ledger.retention import BATCH as PURGE_BATCH
from ombuds.records.ledger.retention import PurgeBatch
from ombuds.records.reports import ReportRepository
from ombuds.records.repos.appeals import AppealRepository
from ombuds.records.repos.bank_settings import BankSettingsRepository
from ombuds.records.repos.banks import BankRepository
from ombuds.records.repos.browse import BrowseRepository
from ombuds.records.repos.cases import CaseRepository
from ombuds.records.repos.console_sessions import ConsoleSessionRepository
from ombuds.records.repos.data_requests import DataRequestRepository
from ombuds.records.repos.decisions import DecisionRepository
from ombuds.records.repos.keys import ApiKey, KeyRepository
from ombuds.records.repos.lexicons import LexiconRepository
from ombuds.records.repos.notices import NoticeRepository
from ombuds.records.repos.policies import PolicyRepository
from ombuds.records.repos.webhooks import Webhook, WebhookRepository, WebhookTarget


class Store:
    """Banks, lexicons, policies and decisions in one SQL database (SQLite or PostgreSQL).

    Every method is one transaction: it either happens completely or not at all.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Objects never outlive a method here, but domain conversion after commit must not
        # trigger lazy reloads.
        sessions = sessionmaker(engine, expire_on_commit=False)
        self._banks = BankRepository(sessions)
        self._bank_settings = BankSettingsRepository(sessions)
        self._lexicons = LexiconRepository(sessions)
        self._policies = PolicyRepository(sessions)
        self._decisions = DecisionRepository(sessions)
        self._keys = KeyRepository(sessions)
        self._webhooks = WebhookRepository(sessions)
        self._cases = CaseRepository(sessions)
        self._ledger = LedgerRepository(sessions)
        self._browse = BrowseRepository(sessions)
        self.notices = NoticeRepository(sessions)
        self.appeals = AppealRepository(sessions)
        self.console_sessions = ConsoleSessionRepository(sessions)
        self.data_requests = DataRequestRepository(sessions)
        self.reports = ReportRepository(sessions)

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (creating if needed) and migrate the database at `url`; raises ConfigError."""
        engine = create_store_engine(url)
        try:
            upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # banks

    def create_bank(self, bank: Bank, *, actor: str) -> None:
        self._banks.create_bank(bank, actor=actor)

    def get_bank(self, name: str) -> Bank:
        return self._banks.get_bank(name)

    def list_banks(self) -> list[tuple[Bank, int]]:
        return self._banks.list_banks()

    def delete_bank(self, name: str, *, actor: str, reason: str = "") -> None:
        """Delete a bank and its entries; ConflictError while a policy names it."""
        self._banks.delete_bank(name, actor=actor, reason=reason)

    def add_entries(
        self,
        entries: Sequence[BankEntry],
        *,
        actor: str,
        skip_duplicates: bool = False,
        origin: str = "",
    ) -> list[BankEntry]:
        """Add entries atomically and return those added, with their public ids.

        A signal already in its bank (or given twice) is a ConflictError, unless
        `skip_duplicates`, which keeps the stored entry (or the first given) instead.
        An entry that already has a public id keeps it. The ledger gets one entry per bank
        changed: `actor` did it, the entries' reasons say why, `origin` says from where
        (e.g. "api", "case:<id>").
        """
        return self._banks.add_entries(
            entries, actor=actor, skip_duplicates=skip_duplicates, origin=origin
        )

    def import_entries(
        self,
        bank: str,
        entries: Iterable[BankEntry],
        *,
        actor: str,
        batch: int = 5_000,
        origin: str = "",
    ) -> tuple[int, int]:
        """Stream entries of one bank in, in one transaction; returns (added, skipped).

        Signals already in the bank (stored, or earlier in the stream) are skipped. If
        iterating `entries` raises (a bad row in a file), nothing is written. `origin` is
        where the entries came from (e.g. the file's name), for the ledger.
        """
        return self._banks.import_entries(bank, entries, actor=actor, batch=batch, origin=origin)

    def remove_entry(
        self, bank: str, signal_type: str, value: str, *, actor: str, reason: str = ""
    ) -> None:
        self._banks.remove_entry(bank, signal_type, value, actor=actor, reason=reason)

    def set_entry_state(
        self,
        public_id: str,
        *,
        enabled: bool,
        disabled_until: datetime | None = None,
        actor: str,
        reason: str = "",
    ) -> BankEntry:
        """Enable or disable an entry (optionally until a time); NotFoundError."""
        return self._banks.set_entry_state(
            public_id, enabled=enabled, disabled_until=disabled_until, actor=actor, reason=reason
        )

    def update_bank(self, name: str, changes: Mapping[str, Any], *, actor: str) -> Bank:
        """Change a bank's name, category, description or threshold (keys of `changes`);
        renaming is a ConflictError while a policy names the bank."""
        return self._bank_settings.update_bank(name, changes, actor=actor)

    def locate_entry(self, public_id: str) -> tuple[int, BankEntry]:
        """(store id, entry) of the entry a public id names; NotFoundError."""
        return self._bank_settings.locate_entry(public_id)

    def find_entry(self, bank: str, signal_type: str, value: str) -> tuple[int, BankEntry]:
        """(store id, entry) of the bank's entry holding a signal; NotFoundError."""
        return self._bank_settings.find_entry(bank, signal_type, value)

    def iter_suspended_rows(
        self,
        signal_types: Collection[str],
        *,
        banks: Collection[str] | None = None,
        now: datetime | None = None,
    ) -> Iterator[tuple[int, str, str]]:
        """Like iter_index_rows, for unexpired entries disabled until a later time."""
        return self._bank_settings.iter_suspended_rows(signal_types, banks=banks, now=now)

    def list_entries(self, bank: str, *, offset: int = 0, limit: int = 100) -> list[BankEntry]:
        return self._banks.list_entries(bank, offset=offset, limit=limit)

    def iter_entries(self, bank: str, *, batch: int = 10_000) -> Iterator[BankEntry]:
        return self._banks.iter_entries(bank, batch=batch)

    def count_entries(self, bank: str) -> int:
        return self._banks.count_entries(bank)

    def get_entry(self, public_id: str) -> BankEntry:
        """The entry a notice cites by its public id; NotFoundError."""
        return self._banks.get_entry(public_id)

    def iter_index_rows(
        self,
        signal_types: Collection[str],
        batch: int = 50_000,
        *,
        banks: Collection[str] | None = None,
        now: datetime | None = None,
    ) -> Iterator[tuple[int, str, str]]:
        """(entry id, signal type, value) of the entries active now, streamed.

        `banks` limits the rows to those banks; `now` is for tests.
        """
        return self._banks.iter_index_rows(signal_types, batch, banks=banks, now=now)

    def entry_ids(self, public_ids: Collection[str]) -> dict[str, int]:
        return self._banks.entry_ids(public_ids)

    def get_entries_by_id(self, ids: Collection[int]) -> dict[int, BankEntry]:
        return self._banks.get_entries_by_id(ids)

    # lexicons and policies

    def save_lexicon(self, lexicon: Lexicon, *, actor: str, replace: bool = False) -> None:
        self._lexicons.save_lexicon(lexicon, actor=actor, replace=replace)

    def get_lexicon(self, name: str) -> Lexicon:
        return self._lexicons.get_lexicon(name)

    def list_lexicons(self) -> list[Lexicon]:
        return self._lexicons.list_lexicons()

    def delete_lexicon(self, name: str, *, actor: str) -> None:
        """ConflictError while a policy names it."""
        self._lexicons.delete_lexicon(name, actor=actor)

    def save_policy(self, policy: Policy, *, actor: str, replace: bool = False) -> None:
        self._policies.save_policy(policy, actor=actor, replace=replace)

    def get_policy(self, name: str) -> Policy:
        return self._policies.get_policy(name)

    def list_policies(self) -> list[Policy]:
        return self._policies.list_policies()

    def delete_policy(self, name: str, *, actor: str) -> None:
        self._policies.delete_policy(name, actor=actor)

    # decisions

    def record_decisions(self, decisions: Sequence[Decision], *, actor: str = "engine") -> None:
        """Record decisions and, in the same transaction, open a case for each review and
        append one ledger entry that commits to every decision's digest.
        """
        self._decisions.record_decisions(decisions, actor=actor)

    def record_records(self, records: Sequence[Sequence[Any]], *, actor: str = "engine") -> None:
        """`record_decisions` for decisions in record form (`repos.decision_records`)."""
        self._decisions.record_records(records, actor=actor)

    def get_decision(self, decision_id: str) -> Decision:
        return self._decisions.get_decision(decision_id)

    def count_decisions(self) -> int:
        return self._decisions.count_decisions()

    def recent_decisions(self, *, limit: int, policy: str | None = None) -> list[Decision]:
        """The latest `limit` decisions (at most 10,000; all, or under `policy`), newest first."""
        return self._browse.recent_decisions(limit=limit, policy=policy)

    def entries_with_signal(self, signals: Collection[tuple[str, str]]) -> list[BankEntry]:
        """Entries in any bank holding one of these (signal type, canonical value) pairs."""
        return self._browse.entries_with_signal(signals)

    # API keys

    def create_api_key(
        self, name: str, role: str, *, actor: str, expires_at: datetime | None = None
    ) -> tuple[ApiKey, str]:
        """A new key and its token; the token is returned here once and never stored."""
        return self._keys.create_key(name, role, actor=actor, expires_at=expires_at)

    def list_api_keys(self) -> list[ApiKey]:
        return self._keys.list_keys()

    def revoke_api_key(self, name: str, *, actor: str, now: datetime | None = None) -> None:
        """NotFoundError for an unknown name, ConflictError if already revoked."""
        self._keys.revoke_key(name, actor=actor, now=now)

    def authenticate_api_key(self, token: str, *, now: datetime | None = None) -> ApiKey | None:
        """The usable key the token belongs to, else None (unknown, wrong, revoked, expired)."""
        return self._keys.authenticate(token, now=now)

    # webhooks

    def create_webhook(self, url: str, created_by: str, *, actor: str) -> tuple[Webhook, str]:
        """A new webhook and its signing secret (returned here; listings never show it)."""
        return self._webhooks.create(url, created_by, actor=actor)

    def list_webhooks(self) -> list[Webhook]:
        return self._webhooks.list_all()

    def delete_webhook(self, webhook_id: str, *, actor: str) -> None:
        """NotFoundError for an unknown id."""
        self._webhooks.delete(webhook_id, actor=actor)

    def webhook_targets(self) -> list[WebhookTarget]:
        """Every webhook with its secret, for signing deliveries."""
        return self._webhooks.targets()

    # the review queue

    def list_cases(
        self, *, status: CaseStatus | None = None, offset: int = 0, limit: int = 100
    ) -> list[Case]:
        """A page of cases (all, or of one status), oldest first, with their evidence."""
        return self._cases.list_cases(status=status, offset=offset, limit=limit)

    def count_cases(self, *, status: CaseStatus | None = None) -> int:
        return self._cases.count_cases(status=status)

    def get_case(self, case_id: str) -> Case:
        """NotFoundError for an unknown id."""
        return self._cases.get_case(case_id)

    def decide_case(
        self,
        case_id: str,
        outcome: Outcome,
        *,
        by: str,
        reason: str,
        actor: str,
        bank: str | None = None,
        decision: Decision | None = None,
    ) -> Case:
        """Close an open case and return it; NotFoundError, ConflictError if decided already,
        InputError for a bank on anything but a confirmation. Banking itself is the Banker's;
        the outcome's own `decision` (see `engine.review`) is recorded in the same transaction.
        """
        return self._cases.decide_case(
            case_id, outcome, by=by, reason=reason, actor=actor, bank=bank, decision=decision
        )

    # the ledger and retention

    def ledger_append(
        self,
        kind: str,
        *,
        actor: str,
        subject: str = "",
        payload: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> LedgerEntry:
        """Ledger an event that changes nothing else (e.g. key use counts); changes ledger
        themselves in their own transaction.
        """
        return self._ledger.append(kind, actor=actor, subject=subject, payload=payload, now=now)

    def ledger_append_many(self, records: Sequence[Record]) -> list[LedgerEntry]:
        """Several such entries in one transaction, chained in order."""
        return self._ledger.append_many(records)

    def ledger_entries(self, query: LedgerQuery | None = None) -> list[LedgerEntry]:
        """A page of entries, oldest first; InputError for a bad limit or naive time."""
        return self._ledger.entries(query or LedgerQuery())

    def verify_ledger(self, *, decisions: bool = True) -> Verification:
        """Check the chain, the head and (unless `decisions=False`) every decision row."""
        return self._ledger.verify(decisions=decisions)

    def purge_due(self, retention: timedelta, *, now: datetime) -> int:
        """How many decisions a purge at `now` would purge."""
        return self._ledger.count_due(now - retention)

    def purge(
        self,
        retention: timedelta,
        *,
        actor: str,
        now: datetime,
        batch_size: int = PURGE_BATCH,
        on_batch: Callable[[PurgeBatch], None] | None = None,
    ) -> int:
        """Remove personal ids from decisions older than `retention` at `now`, a batch per
        transaction (each ledgered); returns how many this call purged. Resumable.
        """
        return self._ledger.purge(
            now - retention, actor=actor, batch_size=batch_size, on_batch=on_batch
        )
