"""The ledger: an append-only, hash-chained record of every change and decision batch.

Each entry's digest covers its fields and the previous entry's digest, so editing,
deleting or reordering any entry breaks the chain from there on; `verify` names the
first bad entry. Changes append inside their own transaction (see `append`).
"""

from ombuds.records.ledger.append import append, append_many
from ombuds.records.ledger.chain import GENESIS, canonical, entry_digest
from ombuds.records.ledger.model import Kind, LedgerEntry, LedgerQuery, Record, Verification
from ombuds.records.ledger.payloads import BankChange, safe_url

__all__ = [
    "GENESIS",
    "BankChange",
    "Kind",
    "LedgerEntry",
    "LedgerQuery",
    "Record",
    "Verification",
    "append",
    "append_many",
    "canonical",
    "entry_digest",
    "safe_url",
]
