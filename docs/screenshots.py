"""Screenshots of the console for the README: docs/img/console-*.png.

    .venv/bin/python docs/screenshots.py [--out docs/img]

Seeds a fresh workspace (generated images, invented phrases: no real content), starts a
real `ombuds serve` on a free port and a local "platform" serving preview images, submits a
few items through the API, and photographs the pages with Debian's chromium (`make
chromium`) driven by Playwright. Needs the dev and ocr extras.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.server
import io
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from playwright.sync_api import Page, sync_playwright

from ombuds.domain import Bank, BankEntry, Content, ContentKind, Signal
from ombuds.matching.signals.pdq import PDQSignal
from ombuds.records import Store, parse_lexicon_json, parse_policy_json

EU = {"region": "EU"}
LEXICON = """{"format": "ombuds.lexicon/1", "name": "scams", "description": "Invented scams",
 "separator_insensitive": true, "rules": [
  {"id": "s1", "kind": "term", "category": "scam", "term": "zorbcoin giveaway"},
  {"id": "s2", "kind": "term", "category": "spam", "term": "cheap pills"},
  {"id": "s3", "kind": "combination", "category": "scam", "terms": ["bank", "pin"]},
  {"id": "s4", "kind": "term", "category": "scam", "term": "免费领取"}]}"""
POLICY = """{"format": "ombuds.policy/1", "name": "eu", "description": "EU members",
 "scope": "region in [\\"EU\\", \\"UK\\"]", "banks": ["known", "suspect-images"],
 "lexicons": ["scams"], "actions": {"scam": "block", "abuse": "block"},
 "default_action": "review", "ground": "Terms of Service §4.2", "enabled": true,
 "confirm_bank": "known"}"""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def shapes(seed: int) -> Image.Image:
    """An abstract picture of rectangles and circles: stands in for a banked image."""
    rng = random.Random(seed)
    picture = Image.new("RGB", (480, 360), (rng.randrange(256), 90, 160))
    draw = ImageDraw.Draw(picture)
    for _ in range(14):
        x, y = rng.randrange(400), rng.randrange(280)
        w, h = rng.randrange(40, 160), rng.randrange(40, 160)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.rectangle if rng.random() < 0.5 else draw.ellipse)((x, y, x + w, y + h), colour)
    return picture


def poster(words: list[str]) -> Image.Image:
    """A flyer with a phrase on it; words are drawn apart so OCR sees the spaces."""
    picture = Image.new("RGB", (560, 300), (246, 241, 228))
    draw = ImageDraw.Draw(picture)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 44)
    draw.rectangle((20, 20, 540, 280), outline=(180, 40, 40), width=6)
    x = 50
    for word in words:
        draw.text((x, 80), word, fill=(30, 30, 30), font=font)
        x += int(draw.textlength(word, font=font)) + 36
    small = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 28)
    draw.text((50, 180), "delivered in 24 hours", fill=(90, 90, 90), font=small)
    return picture


def seed(store: Store, banked: Image.Image) -> dict[str, str]:
    store.save_lexicon(parse_lexicon_json(LEXICON), actor="screenshots")
    store.create_bank(Bank("known", "abuse", "Confirmed by moderators"), actor="screenshots")
    store.create_bank(
        Bank("suspect-images", "suspect", "Shared by a partner, unreviewed", threshold=31),
        actor="screenshots",
    )
    rows = [
        BankEntry(
            "known",
            Signal("md5", hashlib.md5(f"bad-{i}".encode()).hexdigest()),
            "abuse",
            provenance="partner feed",
            author="admin-ana",
            reason="confirmed abuse",
        )
        for i in range(12)
    ]
    pdq = PDQSignal().compute(Content("b", ContentKind.IMAGE, data=png(banked)))
    assert pdq is not None
    rows.append(
        BankEntry(
            "suspect-images",
            Signal("pdq", pdq.value),
            "suspect",
            provenance="partner feed",
            author="admin-ana",
            reason="reported by a partner",
        )
    )
    store.add_entries(rows, actor="screenshots")
    store.save_policy(parse_policy_json(POLICY), actor="screenshots")
    names = {"platform": "chat-gateway", "moderator": "mod-kim", "admin": "admin-ana"}
    return {
        role: store.create_api_key(name, role, actor="screenshots")[1]
        for role, name in names.items()
    }


class Platform(http.server.BaseHTTPRequestHandler):
    images: dict[str, bytes] = {}  # noqa: RUF012

    def do_GET(self) -> None:
        body = self.images.get(self.path, b"")
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        return


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def submit(api: httpx.Client, token: str, item: dict[str, Any]) -> dict[str, Any]:
    r = api.post("/v1/content", json=item, headers={"Authorization": f"Bearer {token}"})
    r.raise_for_status()
    body: dict[str, Any] = r.json()
    return body


def traffic(api: httpx.Client, token: str, platform: str, near: bytes, ocr: bytes) -> None:
    Platform.images.update({"/p/near.png": near, "/p/poster.png": ocr})
    item = {"kind": "image", "attributes": EU}
    submit(
        api,
        token,
        {
            **item,
            "content_id": "msg-7f3a",
            "preview_url": f"{platform}/p/near.png",
            "data_base64": base64.b64encode(near).decode(),
        },
    )
    submit(
        api,
        token,
        {
            **item,
            "content_id": "msg-81c2",
            "preview_url": f"{platform}/p/poster.png",
            "data_base64": base64.b64encode(ocr).decode(),
        },
    )
    texts = [
        "hello, are we still on for tonight?",
        "buy cheap pills now!!",
        "Ｚｏｒｂｃｏｉｎ giveaway: send your bank pin",
        "see you at 8",
        "c.h.e.a.p p.i.l.l.s",
    ]
    for i, text in enumerate(texts):
        submit(api, token, {"content_id": f"msg-{i:04x}", "text": text, "attributes": EU})
    submit(
        api, token, {"content_id": "msg-out", "text": "cheap pills", "attributes": {"region": "US"}}
    )
    blocked = submit(
        api,
        token,
        {**item, "content_id": "msg-b10c", "data_base64": base64.b64encode(b"bad-3").decode()},
    )
    statement = "This is a screenshot of my own bank statement, not a scam."
    r = api.post(
        f"/v1/notices/{blocked['notice']['notice_id']}/appeal",
        json={"statement": statement},
        headers={"Authorization": f"Bearer {token}"},
    )
    r.raise_for_status()
    corrupt = b"\x89PNG\r\n\x1a\n" + b"truncated" * 20
    submit(
        api,
        token,
        {**item, "content_id": "msg-9d04", "data_base64": base64.b64encode(corrupt).decode()},
    )


def photograph(page: Page, base: str, tokens: dict[str, str], out: Path) -> None:
    def shot(name: str) -> None:
        page.wait_for_timeout(250)
        page.screenshot(path=str(out / f"console-{name}.png"), full_page=False)
        print("wrote", out / f"console-{name}.png")

    page.goto(f"{base}/console/sign-in")
    shot("sign-in")
    page.fill("#key", tokens["moderator"])
    page.click("button[type=submit]")
    page.wait_for_url("**/overview")
    shot("overview")
    page.goto(f"{base}/console/queue")
    page.wait_for_function("() => document.querySelector('.preview img')?.naturalWidth > 0")
    shot("queue")
    page.click(".case-link:has-text('msg-81c2')")
    page.wait_for_selector(".case-link.selected:has-text('msg-81c2')")
    page.wait_for_function("() => document.querySelector('.preview img')?.naturalWidth > 0")
    page.keyboard.press("v")
    shot("queue-ocr-revealed")
    page.goto(f"{base}/console/lexicons/scams")
    page.fill("textarea[name=text]", "Ｃｈｅａｐ p.i.l.l.s — and a Zorbcoin giveaway")
    page.click("section.try button[type=submit]")
    page.wait_for_selector("#tried mark")
    shot("lexicon")
    page.goto(f"{base}/console/banks/known")
    shot("bank")
    page.goto(f"{base}/console/policies/eu")
    draft = page.input_value("textarea[name=draft]")
    page.fill(
        "textarea[name=draft]",
        draft.replace('"default_action": "review"', '"default_action": "label"'),
    )
    page.click("section.dry-run button[type=submit]")
    page.wait_for_selector(".dry-run-result")
    page.locator(".dry-run").scroll_into_view_if_needed()
    shot("dry-run")
    page.goto(f"{base}/console/appeals")
    shot("appeals")
    page.goto(f"{base}/console/ledger")
    shot("ledger")
    page.goto(f"{base}/console/reports")
    shot("reports")


def release_report(api: httpx.Client, token: str) -> None:
    """A transparency report over today, spending the whole default budget: little noise
    on a workspace this small (one row per author, ε = 3)."""
    today = time.strftime("%Y-%m-%d", time.gmtime())
    tomorrow = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86_400))
    body = {"since": f"{today}T00:00:00Z", "until": f"{tomorrow}T00:00:00Z", "epsilon": 3}
    body["contributions"] = 1
    r = api.post(
        "/v1/reports/transparency", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    r.raise_for_status()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "img")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    banked = shapes(7)
    near = banked.filter(ImageFilter.GaussianBlur(1.2)).resize((470, 352)).convert("RGB")
    ocr = poster(["CHEAP", "PILLS"])
    with tempfile.TemporaryDirectory(prefix="ombuds-shots-") as folder:
        home = Path(folder)
        with Store.open(f"sqlite:///{home / 'ombuds.db'}") as store:
            tokens = seed(store, banked)
        platform = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Platform)
        threading.Thread(target=platform.serve_forever, daemon=True).start()
        platform_url = f"http://127.0.0.1:{platform.server_address[1]}"
        port = free_port()
        env = {**os.environ, "OMBUDS_QUEUE": "sync"}
        command = [
            str(Path(sys.executable).with_name("ombuds")),
            "--home",
            str(home),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        server = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=60) as api:
                for _ in range(300):
                    try:
                        if api.get("/v1/health/ready").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.2)
                traffic(api, tokens["platform"], platform_url, png(near), png(ocr))
                release_report(api, tokens["admin"])
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                page = browser.new_page(viewport={"width": 1360, "height": 860})
                photograph(page, base, tokens, args.out)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            platform.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
