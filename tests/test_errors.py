import pytest

from ombuds.errors import (
    ConflictError,
    ExitCode,
    ImportFileError,
    MissingExtraError,
    NotFoundError,
    OmbudsError,
    ScopeSyntaxError,
)


def test_location_prefix() -> None:
    error = ImportFileError("bad hex", file="bank.csv", line=7, field="signal_str")
    assert str(error) == "bank.csv:7: field 'signal_str': bad hex"
    assert str(OmbudsError("plain")) == "plain"
    assert str(NotFoundError("gone", field="bank")) == "field 'bank': gone"


def test_scope_error_draws_a_caret_under_the_column() -> None:
    error = ScopeSyntaxError("unexpected 'and'", source="a == 1 and", column=8)
    assert str(error).splitlines()[-1] == "           ^"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ImportFileError("x"), ExitCode.INVALID_INPUT),
        (NotFoundError("x"), ExitCode.NOT_FOUND),
        (ConflictError("x"), ExitCode.CONFLICT),
        (MissingExtraError("faiss", "index"), ExitCode.CONFIG),
    ],
)
def test_exit_codes_are_fixed(error: OmbudsError, code: ExitCode) -> None:
    assert error.exit_code == code


def test_missing_extra_names_the_extra() -> None:
    assert "pip install 'ombuds[ocr]'" in str(MissingExtraError("rapidocr", "ocr"))
