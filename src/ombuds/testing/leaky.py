"""A deliberately LEAKY deployment, for testing `ombuds audit` only. Never deploy it.

It is the real Ombuds app behind a wrapper that does what Citizen Lab found WeChat doing:
every image and file sent through `POST /v1/content` or `POST /v1/content/batch` is copied,
in scope or not, to a surveillance thread that reads it (OCR, document text), matches the
text against the deployment's lexicons and, when a lexicon would flag it, banks its exact
hashes in the bank of the policy that uses the lexicon. The content's sender still gets
Ombuds' honest answer (out of scope: allow, nothing stored), but the next copy sent inside
a scope is blocked inline, on first sight: precisely what the audit looks for.

`--signals perceptual` banks a subtler leak: the image's PDQ hash or the document's MinHash
instead of exact hashes. Nothing then matches inline; the next copy inside a scope is
matched against the bank by the deferred tier, which the audit must catch too.

Multipart uploads are not copied (the audit sends JSON). Nothing in Ombuds uses this module;
it runs only as `python -m ombuds.testing.leaky --port N`, on the workspace's settings.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import logging
import queue
import sys
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from ombuds.domain import BankEntry, Content, ContentKind, Signal
from ombuds.engine.deferred.analysis import DOCUMENT, OCR, handle
from ombuds.interfaces.api.runtime import Runtime
from ombuds.matching.signals.base import SignalType
from ombuds.matching.signals.exact import MD5Signal, SHA256Signal
from ombuds.matching.signals.minhash import MinHashSignal
from ombuds.matching.signals.pdq import PDQSignal
from ombuds.matching.text import TextMatcher, compile_lexicons

log = logging.getLogger("ombuds.testing.leaky")

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]

TAPPED = frozenset({"/v1/content", "/v1/content/batch"})
ACTOR = "leaky-test-wrapper"
MODES = ("exact", "perceptual")


def _signal_types(mode: str, kind: ContentKind) -> list[SignalType]:
    if mode == "exact":
        return [MD5Signal(), SHA256Signal()]
    return [PDQSignal()] if kind is ContentKind.IMAGE else [MinHashSignal()]


def _items(path: str, body: bytes) -> list[tuple[str, bytes]]:
    """(kind, bytes) of every image and file in a submission; [] for anything unreadable."""
    try:
        parsed = json.loads(body)
        items = parsed.get("items", []) if path.endswith("/batch") else [parsed]
    except (ValueError, AttributeError):
        return []
    found = []
    for item in items:
        if not isinstance(item, dict) or item.get("kind") not in ("image", "file"):
            continue
        try:
            found.append((item["kind"], base64.b64decode(item.get("data_base64") or "")))
        except (binascii.Error, TypeError, ValueError):
            continue
    return found


class Surveillance:
    """The out-of-band reader: one thread, fed by the wrapper, banking what it flags."""

    def __init__(self, runtime: Callable[[], Runtime | None], mode: str = "exact") -> None:
        self._runtime = runtime
        self._mode = mode
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._matcher: TextMatcher | None = None
        self.banked = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="leaky-surveillance", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def copy(self, kind: str, data: bytes) -> None:
        self._queue.put((kind, data))

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            runtime = self._runtime()
            if runtime is None or not runtime.ready:
                continue
            try:
                self._inspect(runtime, *job)
            except Exception:
                log.exception("leaky surveillance failed on one item")

    def _text_matcher(self, runtime: Runtime) -> TextMatcher:
        if self._matcher is None:
            store = runtime.store
            names = sorted({n for p in store.list_policies() if p.enabled for n in p.lexicons})
            lexicons = [store.get_lexicon(n) for n in names]
            self._matcher = compile_lexicons(lexicons, backend=runtime.settings.text_backend)
        return self._matcher

    def _inspect(self, runtime: Runtime, kind: str, data: bytes) -> None:
        analysis = OCR if kind == "image" else DOCUMENT
        text = str(handle({"kind": kind, "analyses": [analysis]}, data).get("text", ""))
        evidence = self._text_matcher(runtime).match(text) if text else []
        if not evidence:
            return
        content = Content("leaked", ContentKind(kind), data=data)
        computed = (t.compute(content) for t in _signal_types(self._mode, content.kind))
        signals = [s for s in computed if s is not None]
        for policy in runtime.store.list_policies():
            hits = [e for e in evidence if e.name in policy.lexicons]
            if hits and policy.enabled and policy.banks:
                self._bank(
                    runtime, policy.confirm_bank or policy.banks[0], hits[0].category, signals
                )

    def _bank(self, runtime: Runtime, bank: str, category: str, signals: list[Signal]) -> None:
        store = runtime.store
        entries = [
            BankEntry(bank, s, category, "leaky wrapper", ACTOR, "seen anywhere") for s in signals
        ]
        added = store.add_entries(entries, actor=ACTOR, skip_duplicates=True)
        ids = store.entry_ids([e.public_id for e in added])
        runtime.learn({ids[e.public_id]: e for e in added if e.public_id in ids})
        self.banked += len(added)


class LeakyApp:
    """ASGI wrapper: copies submissions to `Surveillance`, then lets the app answer them."""

    def __init__(self, app: Any, mode: str = "exact") -> None:
        self._app: ASGIApp = app
        self.surveillance = Surveillance(lambda: getattr(app.state, "runtime", None), mode)

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._app(scope, self._lifespan(receive), send)
            return
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in TAPPED:
            messages, body = await _read(receive)
            for kind, data in _items(scope["path"], body):
                self.surveillance.copy(kind, data)
            receive = _replay(messages, receive)
        await self._app(scope, receive, send)

    def _lifespan(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.surveillance.start()
            elif message["type"] == "lifespan.shutdown":
                self.surveillance.stop()
            return message

        return wrapped


async def _read(receive: Receive) -> tuple[list[Message], bytes]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from ombuds.interfaces.api import create_app
    from ombuds.settings import load_settings

    parser = argparse.ArgumentParser(description="A LEAKY Ombuds server, for audit tests only.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--signals", choices=MODES, default="exact", help="what it banks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    log.warning("LEAKY TEST SERVER: content outside every scope is read and banked")
    app = LeakyApp(create_app(load_settings()), args.signals)
    uvicorn.run(app, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
