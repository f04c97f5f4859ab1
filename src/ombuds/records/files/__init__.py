"""Import and export files: lexicons and policies as JSON, banks as CSV (Ombuds' or HMA's)."""

from ombuds.records.files.bank_csv import (
    ImportResult,
    export_bank_csv,
    import_bank_csv,
    read_bank_csv,
    write_bank_csv,
)
from ombuds.records.files.lexicon_file import (
    LEXICON_FORMAT,
    dump_lexicon_json,
    parse_lexicon_json,
    read_lexicon_file,
    write_lexicon_file,
)
from ombuds.records.files.policy_file import (
    POLICY_FORMAT,
    dump_policy_json,
    parse_policy_json,
    read_policy_file,
    write_policy_file,
)

__all__ = [
    "LEXICON_FORMAT",
    "POLICY_FORMAT",
    "ImportResult",
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
