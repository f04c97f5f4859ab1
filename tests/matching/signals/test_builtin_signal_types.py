import hashlib

import pytest

from ombuds.domain import Content, ContentKind
from ombuds.errors import SignalFormatError, UnknownSignalTypeError
from ombuds.matching.signals import IndexKind, SignalType, SignalTypeRegistry, default_registry
from ombuds.matching.signals.exact import MD5Signal
from ombuds.testing.signal_types import check_signal_type

SAMPLES = [
    Content("a", ContentKind.FILE, data=b"hello"),
    Content("b", ContentKind.IMAGE, data=b"\x89PNG\r\n\x1a\n fake"),
]


@pytest.mark.parametrize("name", ["md5", "sha256"])
def test_builtin_passes_the_signal_type_kit(name: str) -> None:
    check_signal_type(default_registry().get(name), SAMPLES)


def test_builtins_arrive_through_entry_points() -> None:
    registry = SignalTypeRegistry()
    assert {"md5", "sha256", "pdq", "minhash"} <= set(registry.names())


def test_md5_and_sha256_values() -> None:
    content = SAMPLES[0]
    md5 = default_registry().get("md5").compute(content)
    sha = default_registry().get("sha256").compute(content)
    assert md5 is not None and md5.value == hashlib.md5(b"hello").hexdigest()
    assert sha is not None and sha.value == hashlib.sha256(b"hello").hexdigest()


def test_text_gets_no_exact_hash() -> None:
    assert default_registry().get("md5").compute(Content.of_text("t", "hi")) is None


def test_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(UnknownSignalTypeError, match="md5, minhash, pdq, sha256"):
        default_registry().get("sha1")


def test_parse_canonicalises_and_rejects() -> None:
    md5 = default_registry().get("md5")
    assert md5.parse("  D41D8CD98F00B204E9800998ECF8427E ") == "d41d8cd98f00b204e9800998ecf8427e"
    with pytest.raises(SignalFormatError, match="32 hex"):
        md5.parse("d41d8cd98f00b204e9800998ecf8427")


def test_a_plugin_registers_like_a_builtin() -> None:
    class Length(SignalType):
        name = "length"
        index_kind = IndexKind.EXACT
        content_kinds = frozenset({ContentKind.FILE})

        def compute(self, content: Content):  # type: ignore[no-untyped-def]
            if content.data is None or not self.applies_to(content):
                return None
            return self._signal(len(content.data))

        def _signal(self, n: int):  # type: ignore[no-untyped-def]
            from ombuds.domain import Signal

            return Signal("length", f"{n:08x}")

        def parse(self, value: str) -> str:
            if len(value) != 8 or any(c not in "0123456789abcdef" for c in value.lower()):
                raise SignalFormatError("bad length", field="signal_str")
            return value.lower()

    registry = SignalTypeRegistry()
    registry.register(Length)
    assert "length" in registry and "md5" in registry
    check_signal_type(registry.get("length"), SAMPLES[:1])


def test_two_types_cannot_share_a_name() -> None:
    registry = SignalTypeRegistry()
    registry.register(MD5Signal)
    registry.register(MD5Signal)  # the same class again is harmless

    class Impostor(MD5Signal):
        pass

    with pytest.raises(ValueError, match="already registered"):
        registry.register(Impostor)
