"""HMA's request shapes replayed against Ombuds, asserting HMA's response shapes exactly."""

from __future__ import annotations

import hashlib
import io
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image, ImageDraw

from ombuds.domain import Bank, BankEntry, Signal
from ombuds.matching.signals.minhash import fingerprint_text
from ombuds.matching.signals.pdq import hamming

from .conftest import BAD_BYTES, Api

PDQ_A = "f" * 64
PDQ_NEAR = "0" * 4 + "f" * 60  # 16 bits from PDQ_A
MD5 = hashlib.md5(BAD_BYTES).hexdigest()


def photo(seed: int = 1) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (480, 360), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(480), rng.randrange(360)
        box = (x, y, x + rng.randint(30, 200), y + rng.randint(30, 150))
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _bank(api: Api, name: str = "HMA_BANK", threshold: int | None = None) -> str:
    api.store.create_bank(Bank(name, "abuse", threshold=threshold), actor="test")
    return name


def _error(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert set(error) == {"code", "message", "field"}
    assert isinstance(error["message"], str)
    if field is not None:
        assert error["field"] == field
    return dict(error)


def test_bank_signal_then_lookup_in_hma_shapes(api: Api) -> None:
    admin, platform = api.as_("admin"), api.as_("platform")
    bank = _bank(api)
    r = api.client.post(f"/c/bank/{bank}/signal", json={"pdq": PDQ_A.upper()}, headers=admin)
    assert r.status_code == 200, r.text
    added = r.json()
    assert set(added) == {"id", "signals"}
    assert isinstance(added["id"], int)
    assert added["signals"] == {"pdq": PDQ_A}

    query = {"signal_type": "pdq", "signal": PDQ_NEAR}
    r = api.client.get("/m/lookup", params=query, headers=platform)
    assert r.status_code == 200, r.text
    assert r.json() == {bank: [{"bank_content_id": added["id"], "distance": "16"}]}

    r = api.client.get("/m/lookup", params={"signal_type": "md5", "signal": MD5}, headers=platform)
    (match,) = r.json()["known"]
    assert isinstance(match["bank_content_id"], int)
    assert match["distance"] == "-"

    r = api.client.get("/m/raw_lookup", params=query, headers=platform)
    assert r.json() == {"matches": [added["id"]]}
    r = api.client.get(
        "/m/raw_lookup", params={**query, "include_distance": "true"}, headers=platform
    )
    assert r.json() == {"matches": [{"bank_content_id": added["id"], "distance": "16"}]}
    r = api.client.get("/m/lookup", params={**query, "banks": "OTHER"}, headers=platform)
    assert r.json() == {}


def test_per_bank_threshold_and_disabled_entries(api: Api) -> None:
    admin, platform = api.as_("admin"), api.as_("platform")
    strict = _bank(api, "STRICT", threshold=8)
    api.client.post(f"/c/bank/{strict}/signal", json={"pdq": PDQ_A}, headers=admin)
    near = {"signal_type": "pdq", "signal": PDQ_NEAR}
    assert api.client.get("/m/lookup", params=near, headers=platform).json() == {}
    exact = api.client.get("/m/lookup", params={**near, "signal": PDQ_A}, headers=platform)
    assert exact.json()[strict][0]["distance"] == "0"

    # An expired entry in the index is not reported.
    past = datetime.now(UTC) - timedelta(days=1)
    (expired,) = api.store.add_entries(
        [BankEntry(strict, Signal("md5", "a" * 32), "abuse", expires_at=past)], actor="test"
    )
    ids = api.store.entry_ids([expired.public_id])
    api.runtime.learn({ids[expired.public_id]: expired})
    md5 = {"signal_type": "md5", "signal": "a" * 32}
    assert api.client.get("/m/lookup", params=md5, headers=platform).json() == {}
    assert api.client.get("/m/raw_lookup", params=md5, headers=platform).json() == {"matches": []}


def test_hash_upload_and_lookup_upload(api: Api) -> None:
    admin, platform = api.as_("admin"), api.as_("platform")
    data = photo()
    r = api.client.post("/h/hash", files={"photo": ("a.png", data, "image/png")}, headers=platform)
    assert r.status_code == 200, r.text
    hashes = r.json()
    assert list(hashes) == ["pdq", "md5", "sha256"]
    assert all(isinstance(v, str) for v in hashes.values())
    assert hashes["md5"] == hashlib.md5(data).hexdigest()
    only = api.client.post(
        "/h/hash?types=pdq", files={"photo": ("a.png", data, "image/png")}, headers=platform
    )
    assert only.json() == {"pdq": hashes["pdq"]}

    bank = _bank(api)
    r = api.client.post(
        f"/c/bank/{bank}/content", files={"photo": ("a.png", data, "image/png")}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["signals"] == hashes
    assert isinstance(r.json()["id"], int)

    r = api.client.post("/m/lookup", files={"photo": ("b.png", data)}, headers=platform)
    found = r.json()
    assert set(found) == {"pdq", "md5", "sha256"}
    assert found["pdq"] == {
        bank: [{"bank_content_id": r.json()["pdq"][bank][0]["bank_content_id"], "distance": "0"}]
    }
    assert found["md5"][bank][0]["distance"] == "-"
    other = photo(seed=99)
    r = api.client.post("/h/hash", files={"photo": ("c.png", other)}, headers=platform)
    assert hamming(r.json()["pdq"], hashes["pdq"]) > 31


def test_compare(api: Api) -> None:
    platform = api.as_("platform")
    body = {"pdq": [PDQ_A, PDQ_NEAR], "md5": [MD5, MD5.upper()]}
    r = api.client.post("/m/compare", json=body, headers=platform)
    assert r.status_code == 200, r.text
    assert r.json() == {"pdq": [True, {"distance": 16}], "md5": [True, {}]}
    far = {"pdq": [PDQ_A, "0" * 64]}
    assert api.client.post("/m/compare", json=far, headers=platform).json() == {
        "pdq": [False, {"distance": 256}]
    }
    _error(api.client.post("/m/compare", json={"pdq": [PDQ_A]}, headers=platform), 400, "pdq")
    _error(api.client.post("/m/compare", json={"pdq": PDQ_A}, headers=platform), 400, "pdq")


def test_curation_listing(api: Api) -> None:
    admin = api.as_("admin")
    bank = _bank(api)
    r = api.client.get("/c/banks", headers=admin)
    assert r.json() == [
        {"name": bank, "matching_enabled_ratio": 1.0},
        {"name": "known", "matching_enabled_ratio": 1.0},
    ]
    assert api.client.get(f"/c/bank/{bank}", headers=admin).json() == {
        "name": bank,
        "matching_enabled_ratio": 1.0,
    }


def test_errors_keep_ombuds_shape_with_hma_statuses(api: Api) -> None:
    admin, platform = api.as_("admin"), api.as_("platform")
    assert _error(api.client.get("/c/bank/NOPE", headers=admin), 404)["code"] == "not_found"
    r = api.client.post("/c/bank/NOPE/signal", json={"pdq": PDQ_A}, headers=admin)
    _error(r, 404)
    bad_hex = {"signal_type": "pdq", "signal": "xyz"}
    _error(api.client.get("/m/lookup", params=bad_hex, headers=platform), 400, "signal")
    unknown = {"signal_type": "nope", "signal": "00"}
    _error(api.client.get("/m/lookup", params=unknown, headers=platform), 400, "signal_type")
    _error(api.client.get("/m/raw_lookup", params={"signal": "00"}, headers=platform), 400)
    url = {"url": "https://example.com/a.jpg"}
    for route in ("/h/hash", "/m/lookup"):
        error = _error(api.client.get(route, params=url, headers=platform), 400, "url")
        assert "never fetches" in error["message"]
    bank = _bank(api)
    r = api.client.post(f"/c/bank/{bank}/content", params=url, headers=admin)
    _error(r, 400, "url")
    _error(api.client.post("/h/hash", headers=platform), 400)
    r = api.client.post("/h/hash", files={"photo": ("x.png", b"not an image")}, headers=platform)
    _error(r, 400, "file")
    r = api.client.post(f"/c/bank/{bank}/signal", json={"pdq": "12"}, headers=admin)
    _error(r, 400, "pdq")
    dup = api.client.post(f"/c/bank/{bank}/signal", json={"md5": MD5}, headers=admin)
    assert dup.status_code == 200
    assert _error(api.client.post(f"/c/bank/{bank}/signal", json={"md5": MD5}, headers=admin), 409)


def test_keys_and_roles_are_required(api: Api) -> None:
    query = {"signal_type": "pdq", "signal": PDQ_A}
    _error(api.client.get("/m/lookup", params=query), 401)
    _error(api.client.get("/m/lookup", params=query, headers=api.as_("moderator")), 403)
    r = api.client.post("/c/bank/known/signal", json={"pdq": PDQ_A}, headers=api.as_("platform"))
    _error(r, 403)


class HmaClient:
    """Written the way HMA's users call it; only the base URL and a key header are Ombuds'."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def add_hash(self, bank: str, pdq: str) -> int:
        r = self.http.post(f"/c/bank/{bank}/signal", json={"pdq": pdq})
        r.raise_for_status()
        return int(r.json()["id"])

    def banks_matching(self, pdq: str) -> dict[str, list[int]]:
        r = self.http.get("/m/lookup", params={"signal_type": "pdq", "signal": pdq})
        r.raise_for_status()
        return {b: [m["bank_content_id"] for m in ms] for b, ms in r.json().items()}

    def hash_file(self, data: bytes) -> str:
        r = self.http.post("/h/hash", files={"photo": data})
        r.raise_for_status()
        return str(r.json()["pdq"])


def test_an_hma_client_switches_by_base_url(api: Api) -> None:
    bank = _bank(api, "SWITCHED")
    api.client.headers.update(api.as_("admin"))
    curator = HmaClient(api.client)
    content_id = curator.add_hash(bank, PDQ_A)
    api.client.headers.update(api.as_("platform"))
    client = HmaClient(api.client)
    assert client.banks_matching(PDQ_NEAR) == {bank: [content_id]}
    assert len(client.hash_file(photo())) == 64


DOCUMENT = " ".join(f"clause {i} of the zorbcoin giveaway terms and conditions" for i in range(40))


def test_minhash_lookups_find_near_duplicate_documents_within_the_bank_threshold(
    api: Api,
) -> None:
    """An Ombuds extension of HMA's lookup: document fingerprints (see docs/hma.md)."""
    platform = api.as_("platform")
    loose, strict = _bank(api, "LOOSE", threshold=50), _bank(api, "STRICT", threshold=99)
    banked = fingerprint_text(DOCUMENT)
    edited = fingerprint_text(DOCUMENT.replace("clause 7 ", "section 7 "))
    assert banked is not None and edited is not None and banked != edited
    added = api.store.add_entries(
        [BankEntry(b, Signal("minhash", banked), "abuse") for b in (loose, strict)], actor="t"
    )
    ids = api.store.entry_ids([e.public_id for e in added])
    api.runtime.learn({ids[e.public_id]: e for e in added})

    same = api.client.get(
        "/m/lookup", params={"signal_type": "minhash", "signal": banked}, headers=platform
    ).json()
    assert {bank: [m["distance"] for m in found] for bank, found in same.items()} == {
        loose: ["0"],
        strict: ["0"],
    }
    near = api.client.get(
        "/m/lookup", params={"signal_type": "minhash", "signal": edited}, headers=platform
    ).json()
    (match,) = near[loose]
    assert 0 < int(match["distance"]) <= 64  # positions of 128 that differ
    assert strict not in near  # 99 % similar is more than an edit leaves
