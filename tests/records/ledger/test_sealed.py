"""Sealed reasons: the ledger's HMAC fits exactly the text it sealed, and nothing once the
salt is gone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ombuds.records.ledger.sealed import digest_of, matches, seal


@given(st.text(), st.text())
def test_a_seal_fits_its_text_and_no_other(text: str, other: str) -> None:
    sealed = seal(text)
    assert matches(text, sealed.salt, sealed.digest)
    assert matches(other, sealed.salt, sealed.digest) == (other == text)
    assert not matches(text, "", sealed.digest)


def test_the_same_text_sealed_twice_gives_unrelated_digests() -> None:
    first, second = seal("context"), seal("context")
    assert first.salt != second.salt and first.digest != second.digest
    assert digest_of("context", first.salt) == first.digest
