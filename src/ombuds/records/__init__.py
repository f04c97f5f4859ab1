"""Records: the store (banks, lexicons, policies, decisions) and its file import/export."""

from ombuds.records.files import (
    LEXICON_FORMAT,
    POLICY_FORMAT,
    ImportResult,
    dump_lexicon_json,
    dump_policy_json,
    export_bank_csv,
    import_bank_csv,
    parse_lexicon_json,
    parse_policy_json,
    read_bank_csv,
    read_lexicon_file,
    read_policy_file,
    write_bank_csv,
    write_lexicon_file,
    write_policy_file,
)
from ombuds.records.store import Store

__all__ = [
    "LEXICON_FORMAT",
    "POLICY_FORMAT",
    "ImportResult",
    "Store",
    "dump_lexicon_json",
    "dump_policy_json",
    "export_bank_csv",
    "import_bank_csv",
    "parse_lexicon_json",
    "parse_policy_json",
    "read_bank_csv",
    "read_lexicon_file",
    "read_policy_file",
    "write_bank_csv",
    "write_lexicon_file",
    "write_policy_file",
]
