"""The console in a real browser: Playwright drives Debian's chromium (headless) against a
real `ombuds serve` on a free port, with a tiny local HTTP server as the platform that
serves preview images.

Skipped, with the reason, when chromium or playwright is missing (`make chromium` installs
the browser as root; Playwright never downloads one here).
"""

from __future__ import annotations

import http.server
import io
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageDraw

from ombuds.records import Store

from .conftest import CORRUPT_PNG, image, seed

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (make chromium)", allow_module_level=True)

# No network beyond loopback, no background services, a fresh profile (Playwright gives
# every launch its own temporary user-data dir).
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
TIMEOUT_MS = 15_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def preview_png() -> bytes:
    """A colourful thumbnail: blurred and grey, it is plainly not what it was."""
    picture = Image.new("RGB", (320, 240), (30, 110, 200))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((40, 40, 200, 160), fill=(230, 50, 40))
    draw.ellipse((150, 90, 300, 220), fill=(250, 210, 40))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


class _Platform(http.server.BaseHTTPRequestHandler):
    body = b""
    hits: list[str] = []  # noqa: RUF012 - one platform per test module

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args: Any) -> None:
        return


@dataclass
class Served:
    base: str
    platform: str
    tokens: dict[str, str]
    api: httpx.Client

    def submit(self, item: dict[str, Any]) -> dict[str, Any]:
        r = self.api.post("/v1/content", json=item, headers=self.auth("platform"))
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def case_of(self, content_id: str) -> str:
        r = self.api.get("/v1/cases", params={"status": "all"}, headers=self.auth("moderator"))
        return next(c["case_id"] for c in r.json()["cases"] if c["content_id"] == content_id)


@pytest.fixture(scope="module")
def platform() -> Iterator[str]:
    _Platform.body = preview_png()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Platform)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, platform: str) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("console-ws")
    with Store.open(f"sqlite:///{home / 'ombuds.db'}") as store:
        tokens = seed(store)
    port = free_port()
    env = {**os.environ, "OMBUDS_QUEUE": "sync", "OMBUDS_OCR": "false"}
    env.pop("OMBUDS_DATABASE_URL", None)
    env.pop("OMBUDS_CONFIG", None)
    ombuds = Path(sys.executable).with_name("ombuds")
    command = [str(ombuds), "--home", str(home), "serve", "--host", "127.0.0.1"]
    log = (home / "serve.log").open("wb")
    process = subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=10) as api:
            _wait_ready(api, process, home / "serve.log")
            yield Served(base, platform, tokens, api)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(api: httpx.Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"ombuds serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if api.get("/v1/health/ready").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail("ombuds serve did not become ready in 60 s")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on(
        "console",
        lambda m: (
            problems.append(f"{m.text} {m.location.get('url', '')}") if m.type == "error" else None
        ),
    )
    opened.on("pageerror", lambda e: problems.append(str(e)))
    opened.problems = problems
    yield opened
    context.close()


def sign_in(page: Any, served: Served, role: str) -> None:
    page.goto(f"{served.base}/console/sign-in")
    page.fill("#key", served.tokens[role])
    page.click("button[type=submit]")
    page.wait_for_url("**/console/overview")


def filter_of(page: Any) -> str:
    value: str = page.eval_on_selector(".preview img", "e => getComputedStyle(e).filter")
    return value


def test_work_a_case_with_the_keyboard_bank_it_and_the_next_copy_is_blocked(
    page: Any, served: Served
) -> None:
    unreadable = CORRUPT_PNG + b"browser-1"
    served.submit(image(unreadable, "br-1", f"{served.platform}/thumbs/br-1.png"))
    served.submit(image(CORRUPT_PNG + b"browser-2", "br-2", f"{served.platform}/thumbs/br-2.png"))
    first = served.case_of("br-1")
    sign_in(page, served, "moderator")
    page.goto(f"{served.base}/console/queue?case={first}")
    assert page.evaluate("typeof htmx") == "object"
    page.wait_for_function("() => document.querySelector('.preview img').naturalWidth > 0")
    assert filter_of(page) == "blur(18px) grayscale(1)"  # nothing seen until asked for

    page.keyboard.press("j")  # next case, then back
    page.wait_for_selector(".case-link.selected:has-text('br-2')")
    page.keyboard.press("k")
    page.wait_for_selector(".case-link.selected:has-text('br-1')")
    assert filter_of(page) == "blur(18px) grayscale(1)"  # a new case starts hidden again
    page.keyboard.press("v")
    # The reveal eases in over 0.12 s.
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('.preview img')).filter == 'none'"
    )
    assert page.get_attribute("[data-reveal]", "aria-pressed") == "true"

    assert page.input_value("select[name=bank]") == "known"
    page.keyboard.press("b")
    page.wait_for_selector(f".flash-ok:has-text('Case {first} confirmed. Banked 2 signal')")
    assert page.locator(".case-link.selected").inner_text().find("br-2") >= 0
    again = served.submit(image(unreadable, "br-1-again"))
    assert (again["action"], again["tier"], again["evidence"][0]["name"]) == (
        "block",
        "inline",
        "known",
    )
    assert page.problems == []


def test_a_bad_key_is_refused(page: Any, served: Served) -> None:
    page.goto(f"{served.base}/console/sign-in")
    page.fill("#key", "omb_0123456789abcdef_not-a-real-secret")
    page.click("button[type=submit]")
    assert page.locator(".flash-error").inner_text() == "That key is unknown, revoked or expired."
    page.goto(f"{served.base}/console/overview")
    assert "/console/sign-in" in page.url


def test_a_forged_form_is_refused(page: Any, served: Served) -> None:
    served.submit(image(CORRUPT_PNG + b"csrf", "br-csrf"))
    case = served.case_of("br-csrf")
    sign_in(page, served, "moderator")
    page.goto(f"{served.base}/console/queue?case={case}")
    page.eval_on_selector("form.decide input[name=csrf]", "e => { e.value = 'forged' }")
    page.click("button[data-key=r]")
    page.wait_for_selector("text=the form is stale or was not sent by this console")
    r = served.api.get(f"/v1/cases/{case}", headers=served.auth("moderator"))
    assert r.json()["status"] == "open"


def test_an_auditor_cannot_decide(page: Any, served: Served) -> None:
    served.submit(image(CORRUPT_PNG + b"audit", "br-audit"))
    case = served.case_of("br-audit")
    sign_in(page, served, "auditor")
    page.goto(f"{served.base}/console/queue?case={case}")
    assert page.locator("text=Read-only: only moderators decide cases.").is_visible()
    assert page.locator("form.decide").count() == 0
    page.keyboard.press("r")  # nothing to press
    status = page.evaluate(
        """async ([url, csrf]) => (await fetch(url, {method: 'POST',
             headers: {'X-CSRF-Token': csrf, 'Content-Type': 'application/x-www-form-urlencoded'},
             body: 'outcome=reject'})).status""",
        [
            f"/console/queue/{case}/decide",
            page.eval_on_selector("input[name=csrf]", "e => e.value"),
        ],
    )
    assert status == 403
    r = served.api.get(f"/v1/cases/{case}", headers=served.auth("moderator"))
    assert r.json()["status"] == "open"


def test_every_page_renders_without_script_or_policy_errors(page: Any, served: Served) -> None:
    sign_in(page, served, "admin")
    for path, heading in [
        ("/console/overview", "Overview"),
        ("/console/queue", "Review queue"),
        ("/console/banks", "Banks"),
        ("/console/banks/known", "known"),
        ("/console/lexicons", "Lexicons"),
        ("/console/lexicons/scams", "scams"),
        ("/console/policies", "Policies"),
        ("/console/policies/eu", "eu"),
        ("/console/appeals", "Appeals"),
        ("/console/ledger", "Ledger"),
    ]:
        page.goto(f"{served.base}{path}")
        assert page.locator("h1").first.inner_text().startswith(heading), path
    page.goto(f"{served.base}/console/lexicons/scams")
    page.fill("textarea[name=text]", "Ｚｏｒｂｃｏｉｎ giveaway today")  # full-width letters
    page.click("section.try button[type=submit]")
    page.wait_for_selector("#tried mark:has-text('zorbcoin giveaway')")
    page.goto(f"{served.base}/console/policies/eu")
    draft = page.input_value("textarea[name=draft]")
    page.fill("textarea[name=draft]", draft.replace('"block"', '"label"'))
    page.click("section.dry-run button[type=submit]")
    page.wait_for_selector(".dry-run-result h3")
    assert page.problems == []
