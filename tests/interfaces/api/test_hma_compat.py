"""HMA's own API tests, replayed against Ombuds (SQLite and PostgreSQL).

The requests are the ones HMA 2.0's test suite sends (OpenMediaMatch/tests/test_api.py,
test_api_banks.py, test_match_api.py), with the same paths, parameters and bodies; only an
API key is added, and content HMA fetches from a URL is uploaded instead. The assertions are
HMA's: status codes and response shapes. Where Ombuds answers differently on purpose (a bank
matches in full or not at all; errors keep Ombuds' shape), the test says so, as docs/hma.md.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw

from ombuds.records import Store

from .backends import running_api
from .conftest import Api

# From HMA's test_api.py: two PDQ hashes 9 bits apart.
SPECIMEN1 = "facd8bcb2a49bcebdec1985298d5fe84bcd006c187c598c720c3c087b3fdb318"
SPECIMEN2 = "facd8bcb2a49bcebdec1985228d5ae84bcd006c187c598c720c2b087b3fdb318"
PDQ_EXAMPLE = "0" * 64  # test_bank_get_content_signal_validation's signal


@pytest.fixture
def api(store: Store, tmp_path: Path) -> Iterator[Api]:
    with running_api(store, tmp_path, seeded=False) as running:
        yield running


class Hma:
    """HMA's test client calls, as an admin (curation) or a platform key (hashing, matching)."""

    def __init__(self, api: Api) -> None:
        self.http = api.client
        self.admin, self.platform = api.as_("admin"), api.as_("platform")

    def curate(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, headers=self.admin, **kwargs)

    def match(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, headers=self.platform, **kwargs)

    def create_bank(self, name: str) -> None:
        # tests/utils.py create_bank
        r = self.curate("POST", "/c/banks", json={"name": name})
        assert r.status_code == 201
        assert r.json() == {"matching_enabled_ratio": 1.0, "name": name}

    def add_photo(self, bank: str, seed: int = 1) -> dict[str, Any]:
        # tests/utils.py add_hash_to_bank, with the image uploaded rather than fetched
        files = {"photo": ("photo.png", photo(seed), "image/png")}
        r = self.curate("POST", f"/c/bank/{bank}/content", params={"types": "pdq"}, files=files)
        assert r.status_code == 200, r.text
        return dict(r.json())


def photo(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (320, 240), (rng.randrange(256), 90, 40))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y = rng.randrange(320), rng.randrange(240)
        box = (x, y, x + rng.randint(20, 120), y + rng.randint(20, 90))
        draw.ellipse(box, fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# -- test_api_banks.py --------------------------------------------------------------------


def test_banks_empty_index_and_create(api: Api) -> None:
    hma = Hma(api)
    response = hma.curate("GET", "/c/banks")
    assert (response.status_code, response.json()) == (200, [])
    assert hma.curate("POST", "/c/banks", json={"name": "01_TEST_BANK"}).status_code == 400
    assert hma.curate("POST", "/c/banks", json={"name": "my_test_bank"}).status_code == 400
    post_response = hma.curate("POST", "/c/banks", json={"name": "MY_TEST_BANK_01"})
    assert post_response.status_code == 201
    assert post_response.json() == {"matching_enabled_ratio": 1.0, "name": "MY_TEST_BANK_01"}
    response = hma.curate("GET", "/c/banks")
    assert (response.status_code, response.json()) == (200, [post_response.json()])


def test_banks_update(api: Api) -> None:
    hma = Hma(api)
    assert hma.curate("POST", "/c/banks", json={"name": "MY_TEST_BANK"}).status_code == 201
    r = hma.curate("PUT", "/c/bank/MY_TEST_BANK", json={"name": "1_invalid_name"})
    assert r.status_code == 400
    r = hma.curate("PUT", "/c/bank/MY_TEST_BANK", json={"name": "MY_TEST_BANK_RENAMED"})
    assert r.status_code == 200
    assert r.json()["name"] == "MY_TEST_BANK_RENAMED"
    # HMA samples lookups per bank (enabled_ratio); an Ombuds bank matches in full: refused.
    for body in ({"enabled": False}, {"enabled_ratio": 0.5}):
        r = hma.curate("PUT", "/c/bank/MY_TEST_BANK_RENAMED", json=body)
        assert r.status_code == 400 and "enabled_ratio must be 1.0" in r.json()["error"]["message"]
    r = hma.curate("PUT", "/c/bank/MY_TEST_BANK_RENAMED", json={"enabled_ratio": 1.0})
    assert r.json() == {"name": "MY_TEST_BANK_RENAMED", "matching_enabled_ratio": 1.0}
    listing = hma.curate("GET", "/c/banks").json()
    assert listing == [{"name": "MY_TEST_BANK_RENAMED", "matching_enabled_ratio": 1.0}]


def test_banks_delete(api: Api) -> None:
    hma = Hma(api)
    assert hma.curate("POST", "/c/banks", json={"name": "MY_TEST_BANK"}).status_code == 201
    assert hma.curate("DELETE", "/c/bank/MY_TEST_BANK").status_code == 200
    # deleting non existing bank should succeed
    r = hma.curate("DELETE", "/c/bank/MY_TEST_BANK")
    assert (r.status_code, r.json()) == (200, {"message": "Done"})


def test_bank_get_update_and_delete_content(api: Api) -> None:
    hma = Hma(api)
    hma.create_bank("TEST_BANK_GET")
    added = hma.add_photo("TEST_BANK_GET")
    assert set(added) == {"id", "signals"} and list(added["signals"]) == ["pdq"]
    content_id = added["id"]
    r = hma.curate("GET", f"/c/bank/TEST_BANK_GET/content/{content_id}")
    assert r.status_code == 200
    assert r.json() == {
        "id": content_id,
        "disable_until_ts": 1,
        "collab_metadata": {},
        "original_media_uri": None,
        "bank": {"name": "TEST_BANK_GET", "matching_enabled_ratio": 1.0},
    }
    new_disable_ts = int((datetime.now() + timedelta(days=365)).timestamp())
    r = hma.curate(
        "PUT",
        f"/c/bank/TEST_BANK_GET/content/{content_id}",
        json={"disable_until_ts": new_disable_ts},
    )
    assert r.status_code == 200, r.text
    assert r.json().get("disable_until_ts") == new_disable_ts
    lookup = {"signal_type": "pdq", "signal": added["signals"]["pdq"]}
    assert hma.match("GET", "/m/lookup", params=lookup).json() == {}  # disabled: no match
    r = hma.curate(
        "PUT", f"/c/bank/TEST_BANK_GET/content/{content_id}", json={"disable_until_ts": 9999999999}
    )
    assert r.status_code == 400
    r = hma.curate(
        "PUT", f"/c/bank/TEST_BANK_GET/content/{content_id}", json={"disable_until_ts": 1}
    )
    assert r.json()["disable_until_ts"] == 1
    assert list(hma.match("GET", "/m/lookup", params=lookup).json()) == ["TEST_BANK_GET"]
    r = hma.curate("DELETE", f"/c/bank/TEST_BANK_GET/content/{content_id}")
    assert (r.status_code, r.json()) == (200, {"deleted": 1})
    assert hma.match("GET", "/m/raw_lookup", params=lookup).json() == {"matches": []}


def test_bank_get_content_404(api: Api) -> None:
    hma = Hma(api)
    assert hma.curate("GET", "/c/bank/TEST_BANK_GET/content/1").status_code == 404
    hma.create_bank("TEST_BANK_GET")
    assert hma.curate("GET", "/c/bank/TEST_BANK_GET/content/1").status_code == 404


def test_banks_add_hash_index(api: Api) -> None:
    hma = Hma(api)
    hma.create_bank("NEW_BANK")
    first = hma.add_photo("NEW_BANK", seed=1)
    hma.create_bank("NEW_BANK_2")
    second = hma.add_photo("NEW_BANK", seed=2)
    # HMA builds its index here (build_all_indices); Ombuds' indexes are already current.
    for added in (first, second):
        r = hma.match("GET", f"/m/raw_lookup?signal_type=pdq&signal={added['signals']['pdq']}")
        assert (r.status_code, r.json()) == (200, {"matches": [added["id"]]})


def test_bank_get_content_signal_validation(api: Api) -> None:
    hma = Hma(api)
    hma.create_bank("TEST_BANK")
    response = hma.curate("POST", "/c/bank/TEST_BANK/signal", json={"pdq": PDQ_EXAMPLE})
    assert response.status_code == 200
    content_id = response.json()["id"]
    path = f"/c/bank/TEST_BANK/content/{content_id}"
    response = hma.curate("GET", f"{path}?signal_type=video_md5")
    assert response.status_code == 200 and response.json()["signals"] == {}
    response = hma.curate("GET", f"{path}?signal_type=pdq")
    assert response.status_code == 200 and response.json()["signals"] == {"pdq": PDQ_EXAMPLE}
    response = hma.curate("GET", f"{path}?signal_type=invalid")
    assert response.status_code == 400
    # HMA's body is {"message": ...}; Ombuds keeps its one error shape.
    assert "unknown signal type 'invalid'" in response.json()["error"]["message"]


# -- test_match_api.py --------------------------------------------------------------------


def _multi_bank(hma: Hma) -> None:
    for bank in ("BANK_A", "BANK_B", "BANK_C"):
        hma.create_bank(bank)
        assert hma.curate("POST", f"/c/bank/{bank}/signal", json={"pdq": SPECIMEN1}).is_success


def test_raw_lookups_and_lookups(api: Api) -> None:
    hma = Hma(api)
    hma.create_bank("SAMPLE")
    md5 = "d41d8cd98f00b204e9800998ecf8427e"
    hma.curate("POST", "/c/bank/SAMPLE/signal", json={"pdq": SPECIMEN1})
    hma.curate("POST", "/c/bank/SAMPLE/signal", json={"video_md5": md5})
    for sig_name, sig_str in (("pdq", SPECIMEN2), ("video_md5", md5)):
        query_str: dict[str, str] = {"signal": sig_str, "signal_type": sig_name}
        resp = hma.match("GET", "/m/raw_lookup", params=query_str)
        assert resp.status_code == 200
        match_count = len(resp.json()["matches"])
        assert match_count >= 1
        query_str["include_distance"] = "True"  # how Flask's test client sends True
        resp = hma.match("GET", "/m/raw_lookup", params=query_str)
        with_dist_matches = resp.json()["matches"]
        assert len(with_dist_matches) == match_count
        assert all("bank_content_id" in m and "distance" in m for m in with_dist_matches)
        resp = hma.match("GET", "/m/lookup", params={"signal": sig_str, "signal_type": sig_name})
        assert resp.status_code == 200 and list(resp.json()) == ["SAMPLE"]
        assert all(set(m) == {"bank_content_id", "distance"} for m in resp.json()["SAMPLE"])


def test_lookups_with_bank_filter(api: Api) -> None:
    hma = Hma(api)
    _multi_bank(hma)
    query_str = {"signal": SPECIMEN1, "signal_type": "pdq"}
    for banks, count in ((None, 3), ("BANK_A", 1), ("BANK_A,BANK_B", 2), ("NON_EXISTENT", 0)):
        params = query_str if banks is None else {**query_str, "banks": banks}
        raw = hma.match("GET", "/m/raw_lookup", params=params)
        assert raw.status_code == 200 and len(raw.json()["matches"]) == count
        by_bank = hma.match("GET", "/m/lookup", params=params).json()
        assert len(by_bank) == count
    params = {**query_str, "include_distance": "True", "banks": "BANK_A,BANK_B"}
    matches = hma.match("GET", "/m/raw_lookup", params=params).json()["matches"]
    assert [m["distance"] for m in matches] == ["0", "0"]


# -- test_api.py --------------------------------------------------------------------------


def test_status_hash_and_lookup_upload(api: Api) -> None:
    hma = Hma(api)
    response = api.client.get("/status")
    assert (response.status_code, response.text) == (200, "I-AM-ALIVE")
    hma.create_bank("PHOTOS")
    banked = hma.add_photo("PHOTOS")
    files = {"photo": ("upload.jpg", photo(1), "image/jpeg")}
    resp = hma.match("POST", "/m/lookup", files=files)
    assert resp.status_code == 200
    assert resp.json()["pdq"] == {"PHOTOS": [{"bank_content_id": banked["id"], "distance": "0"}]}
    hashed = hma.match("POST", "/h/hash", files=files)
    assert hashed.status_code == 200 and hashed.json()["pdq"] == banked["signals"]["pdq"]
    # HMA fetches the URL; Ombuds never fetches, and says to upload instead.
    url = "https://github.com/facebook/ThreatExchange/blob/main/pdq/data/bridge-mods/aaa-orig.jpg"
    assert hma.match("GET", f"/m/lookup?url={url}").status_code == 400


def test_compare_hashes(api: Api) -> None:
    hma = Hma(api)
    resp = hma.match("POST", "/m/compare", json={"pdq": [SPECIMEN1, SPECIMEN2]})
    assert resp.json() == {"pdq": [True, {"distance": 9}]}
    bad_inputs: list[Any] = [
        ["banana"],
        {"pdq": "banana"},
        {"pdq": []},
        {"pdq": ["banana", "banana"]},
        {"pdq": [SPECIMEN1, SPECIMEN2, SPECIMEN1]},
    ]
    for bad_input in bad_inputs:
        assert hma.match("POST", "/m/compare", json=bad_input).status_code == 400


# -- configuration routes HMA's UI and scripts read ---------------------------------------


def test_configuration_and_index_status(api: Api) -> None:
    hma = Hma(api)
    hma.create_bank("BANK_A")
    hma.curate("POST", "/c/bank/BANK_A/signal", json={"pdq": SPECIMEN1, "md5": "0" * 32})
    types = hma.curate("GET", "/c/signal_type").json()
    assert {"name": "pdq", "enabled_ratio": 1.0} in types
    assert {"name": "photo", "enabled": True} in hma.curate("GET", "/c/content_type").json()
    status = hma.match("GET", "/m/index/status").json()
    assert status["pdq"]["present"] is True and status["pdq"]["size"] == 1
    assert status["md5"]["size"] == 1 and isinstance(status["md5"]["built_to"], int)
    only = hma.match("GET", "/m/index/status", params={"signal_type": "pdq"}).json()
    assert list(only) == ["pdq"]
    index = hma.curate("GET", "/c/signal_type/index").json()["pdq"]
    assert index["index_out_of_date"] is False and index["index_size"] == 1
    assert hma.match("GET", "/m/index/status?signal_type=nope").status_code == 400
    # Exchanges fetch from the internet, which Ombuds never does: there are none.
    assert hma.curate("GET", "/c/exchanges").json() == []
    assert hma.curate("GET", "/c/exchanges/apis").json() == []
    body = {"bank": "TX_BANK", "api": "fb_threatexchange", "api_json": {}}
    assert hma.curate("POST", "/c/exchanges", json=body).status_code == 400
    assert hma.curate("GET", "/c/exchange/TX_BANK").status_code == 404
