"""Every error Ombuds raises on purpose, in one hierarchy.

    OmbudsError                      base; carries a message and optional location context
    ├── InputError                   data from outside is malformed (exit 3, HTTP 422)
    │   ├── ScopeSyntaxError         a scope expression does not parse; points at the token
    │   ├── SignalFormatError        a signal string is malformed for its signal type
    │   ├── LexiconError             a lexicon rule is invalid (bad regex, empty term...)
    │   └── ImportFileError          an import file is rejected; names file, line and field
    ├── UnknownSignalTypeError       no signal type of that name is registered (exit 3)
    ├── NotFoundError                a named bank, lexicon, policy or decision is missing (exit 4)
    ├── ConflictError                a name or entry already exists (exit 5)
    ├── ConfigError                  settings or storage cannot be used (exit 6)
    ├── MissingExtraError            an optional dependency is not installed (exit 6)
    ├── UnavailableError             a server cannot be reached or is not ready (exit 7)
    └── LedgerBrokenError            the ledger's chain does not verify (exit 10)

Errors carry context (`file`, `line`, `field`) so the CLI and API can say exactly where the
problem is without parsing messages.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Fixed CLI exit codes; documented in the README and tested end to end."""

    OK = 0
    RESTRICTED = 1  # `ombuds scan` found content a policy restricts (like grep's 1)
    USAGE = 2  # bad command-line usage (Typer/Click's own code)
    INVALID_INPUT = 3
    NOT_FOUND = 4
    CONFLICT = 5
    CONFIG = 6
    UNAVAILABLE = 7  # a server (e.g. the one `ombuds audit` audits) cannot be reached
    LEAK = 8  # `ombuds audit` found that content outside every scope was analysed
    INCONCLUSIVE = 9  # `ombuds audit` could not tell: see its report for why
    LEDGER_BROKEN = 10  # `ombuds ledger verify` found an edited, missing or added entry
    INTERNAL = 70  # an unexpected error: a bug, reported without a traceback by default


class OmbudsError(Exception):
    """Base of every deliberate Ombuds error."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def where(self) -> str:
        """`file:line: field` prefix, with the parts that are known."""
        parts = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class InputError(OmbudsError):
    exit_code = ExitCode.INVALID_INPUT


class ScopeSyntaxError(InputError):
    """A scope expression that does not parse; `column` is 1-based."""

    def __init__(self, message: str, *, source: str, column: int, field: str | None = None):
        pointer = " " * (column - 1) + "^"
        super().__init__(f"{message} at column {column}\n    {source}\n    {pointer}", field=field)
        self.source = source
        self.column = column


class SignalFormatError(InputError):
    pass


class LexiconError(InputError):
    pass


class ImportFileError(InputError):
    pass


class UnknownSignalTypeError(OmbudsError):
    exit_code = ExitCode.INVALID_INPUT


class NotFoundError(OmbudsError):
    exit_code = ExitCode.NOT_FOUND


class ConflictError(OmbudsError):
    exit_code = ExitCode.CONFLICT


class ConfigError(OmbudsError):
    exit_code = ExitCode.CONFIG


class MissingExtraError(OmbudsError):
    exit_code = ExitCode.CONFIG

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"this feature needs the '{module}' package: pip install 'ombuds[{extra}]'"
        )
        self.extra = extra


class UnavailableError(OmbudsError):
    """A server does not answer, or answers that it cannot serve (not ready, 5xx)."""

    exit_code = ExitCode.UNAVAILABLE


class LedgerBrokenError(OmbudsError):
    """The ledger does not verify; `seq` is the first entry that cannot be trusted."""

    exit_code = ExitCode.LEDGER_BROKEN

    def __init__(self, seq: int, problem: str) -> None:
        super().__init__(f"ledger entry {seq}: {problem}")
        self.seq = seq
        self.problem = problem
