"""Data access requests in the store: the two-person rule, nothing disclosed before approval,
and every disclosure recorded with exactly what left."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import timedelta

import pytest

from ombuds.domain import Action, Decision
from ombuds.domain.data_request import DataScope, PartyKind, RequestStatus
from ombuds.errors import ConflictError, InputError, NotFoundError
from ombuds.records import Store

from .accountability_data import T0, decision, ledger_kinds


def render(decisions: Sequence[Decision]) -> bytes:
    return "".join(json.dumps({"id": d.decision_id}) + "\n" for d in decisions).encode()


def register(store: Store, scope: DataScope, actor: str = "api:admin-a") -> str:
    request = store.data_requests.register(
        "Police of Example", PartyKind.AUTHORITY, "Court order 12/2026", scope, actor=actor
    )
    return request.request_id


def test_register_approve_disclose(store: Store) -> None:
    store.record_decisions([decision(n, Action.BLOCK if n % 2 else Action.ALLOW) for n in range(6)])
    scope = DataScope(author_ids=("user1",), until=T0 + timedelta(seconds=5))
    request_id = register(store, scope)
    pending = store.data_requests.get(request_id)
    assert pending.status is RequestStatus.PENDING
    assert (pending.registered_by, pending.scope) == ("api:admin-a", scope)
    approved = store.data_requests.review(
        request_id, approve=True, reason="order checked", actor="api:admin-b"
    )
    assert (approved.status, approved.reviewed_by) == (RequestStatus.APPROVED, "api:admin-b")
    disclosure, data = store.data_requests.disclose(request_id, render, actor="api:admin-a")
    # user1 authored the odd-numbered items; dcs_5 is at T0+5s, outside [.., until).
    assert disclosure.decision_ids == ("dcs_1", "dcs_3")
    assert disclosure.sha256 == hashlib.sha256(data).hexdigest()
    assert store.data_requests.get(request_id).status is RequestStatus.DISCLOSED
    assert store.data_requests.disclosures(request_id) == [disclosure]
    kinds = [(k, a) for k, a, s in ledger_kinds(store) if s == request_id]
    assert kinds == [
        ("data_request.register", "api:admin-a"),
        ("data_request.review", "api:admin-b"),
        ("data_request.disclose", "api:admin-a"),
    ]


def test_the_registrant_cannot_review_their_own_request(store: Store) -> None:
    request_id = register(store, DataScope(content_ids=("c1",)))
    for same in ("api:admin-a", "console:admin-a"):
        with pytest.raises(ConflictError, match="two-person rule") as refused:
            store.data_requests.review(request_id, approve=True, reason="", actor=same)
        assert refused.value.field == "reviewer"
    assert store.data_requests.get(request_id).status is RequestStatus.PENDING
    refused_req = store.data_requests.review(
        request_id, approve=False, reason="no basis", actor="api:auditor"
    )
    assert refused_req.status is RequestStatus.REFUSED
    with pytest.raises(ConflictError, match="already refused"):
        store.data_requests.review(request_id, approve=True, reason="", actor="api:admin-c")


def test_nothing_is_disclosed_unless_approved(store: Store) -> None:
    store.record_decisions([decision(1)])
    pending = register(store, DataScope(content_ids=("c1",)))
    refused = register(store, DataScope(content_ids=("c1",)))
    store.data_requests.review(refused, approve=False, reason="no", actor="api:admin-b")
    calls: list[int] = []

    def counting(decisions: Sequence[Decision]) -> bytes:
        calls.append(len(decisions))
        return b""

    for request_id, status in ((pending, "pending"), (refused, "refused")):
        with pytest.raises(ConflictError, match=f"is {status}"):
            store.data_requests.disclose(request_id, counting, actor="api:admin-a")
        assert store.data_requests.disclosures(request_id) == []
    assert calls == []
    with pytest.raises(NotFoundError):
        store.data_requests.disclose("dreq_nope", counting, actor="api:admin-a")


def test_a_render_failure_records_no_disclosure(store: Store) -> None:
    store.record_decisions([decision(1)])
    request_id = register(store, DataScope(content_ids=("c1",)))
    store.data_requests.review(request_id, approve=True, reason="", actor="api:admin-b")

    def broken(_decisions: Sequence[Decision]) -> bytes:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.data_requests.disclose(request_id, broken, actor="api:admin-a")
    assert store.data_requests.disclosures(request_id) == []
    assert store.data_requests.get(request_id).status is RequestStatus.APPROVED


@pytest.mark.parametrize(
    ("party", "basis", "scope", "field"),
    [
        ("", "law", DataScope(content_ids=("c",)), "requesting_party"),
        ("Police", " ", DataScope(content_ids=("c",)), "legal_basis"),
        ("Police", "law", DataScope(), "scope"),
        ("Police", "law", DataScope(author_ids=("",)), "scope"),
        ("Police", "law", DataScope(author_ids=("u",), since=T0, until=T0), "scope.until"),
        ("Police", "law", DataScope(author_ids=tuple(map(str, range(1001)))), "scope.author_ids"),
    ],
)
def test_unusable_requests_name_the_field_and_write_nothing(
    store: Store, party: str, basis: str, scope: DataScope, field: str
) -> None:
    with pytest.raises(InputError) as bad:
        store.data_requests.register(party, PartyKind.THIRD_PARTY, basis, scope, actor="api:a")
    assert bad.value.field == field
    assert store.data_requests.count() == 0
    assert ledger_kinds(store) == []


def test_counts_by_status_and_legal_basis(store: Store) -> None:
    a = register(store, DataScope(content_ids=("c1",)))
    register(store, DataScope(content_ids=("c2",)))
    store.data_requests.register(
        "Researcher", PartyKind.THIRD_PARTY, "DSA Art. 40", DataScope(author_ids=("u",)), actor="x"
    )
    store.data_requests.review(a, approve=True, reason="", actor="api:admin-b")
    assert store.data_requests.counts_by("status") == {"approved": 1, "pending": 2}
    assert store.data_requests.counts_by("legal_basis") == {
        "Court order 12/2026": 2,
        "DSA Art. 40": 1,
    }
    assert store.data_requests.counts_by("party_kind") == {"authority": 2, "third_party": 1}
    listed = store.data_requests.list_requests(status=RequestStatus.PENDING)
    assert len(listed) == 2 and store.data_requests.count(status=RequestStatus.PENDING) == 2
    with pytest.raises(ValueError, match="cannot count"):
        store.data_requests.counts_by("scope")
