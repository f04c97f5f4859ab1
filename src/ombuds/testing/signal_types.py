"""The checks every signal type must pass: `check_signal_type(signal_type, samples)`."""

from __future__ import annotations

from collections.abc import Sequence

from ombuds.domain import Content, ContentKind
from ombuds.errors import SignalFormatError
from ombuds.matching.signals import IndexKind, SignalType

_GARBAGE = ("", "zz", "not a signal", "0x", "\u00e9" * 8)


def _check_declaration(signal_type: SignalType) -> None:
    assert signal_type.name and signal_type.name == signal_type.name.lower(), "lowercase name"
    assert isinstance(signal_type.index_kind, IndexKind), "index_kind must be an IndexKind"
    assert signal_type.content_kinds, "content_kinds must name at least one kind"


def _check_sample(signal_type: SignalType, content: Content) -> None:
    first = signal_type.compute(content)
    if first is None:
        return
    assert first.signal_type == signal_type.name, "signal carries its type's name"
    assert signal_type.compute(content) == first, "compute must be deterministic"
    assert signal_type.parse(first.value) == first.value, "computed values are canonical"
    assert signal_type.parse(first.value.upper()) == first.value or not first.value.isascii(), (
        "parse should accept an upper-case spelling of a hex value"
    )


def _check_rejects_garbage(signal_type: SignalType) -> None:
    for garbage in _GARBAGE:
        try:
            signal_type.parse(garbage)
        except SignalFormatError as exc:
            assert exc.field, "a SignalFormatError names the field"
        else:
            raise AssertionError(f"{signal_type.name}.parse accepted {garbage!r}")


def _check_other_kinds(signal_type: SignalType) -> None:
    for kind in ContentKind:
        if kind in signal_type.content_kinds:
            continue
        content = (
            Content("kit-text", kind, text="hello")
            if kind is ContentKind.TEXT
            else Content("kit-bytes", kind, data=b"kit")
        )
        assert signal_type.compute(content) is None, f"{kind} content gets no signal"


def check_signal_type(signal_type: SignalType, samples: Sequence[Content]) -> None:
    """Run every check; `samples` are contents the type applies to (at least one)."""
    assert samples, "give at least one sample content"
    _check_declaration(signal_type)
    produced = 0
    for content in samples:
        _check_sample(signal_type, content)
        produced += signal_type.compute(content) is not None
    assert produced, "no sample produced a signal"
    _check_rejects_garbage(signal_type)
    _check_other_kinds(signal_type)
