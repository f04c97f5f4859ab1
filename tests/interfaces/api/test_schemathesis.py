"""Schemathesis against the checked-in OpenAPI document, on the app in process.

Every operation of `docs/openapi.json` gets generated requests, valid and invalid, sent with
a key of the role the route wants (platform for content and HMA matching, moderator for
the review queue, admin for the rest). No response may be a 5xx, and every response must
match the document: status code, content type and body schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi

from ombuds.interfaces.api import create_app
from ombuds.records import Store

from .conftest import make_settings, seed

SPEC = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
schema = schemathesis.openapi.from_dict(json.loads(SPEC.read_text(encoding="utf-8")))

# Routes a platform or a moderator key calls; an admin key calls the others.
PLATFORM_PREFIXES = ("/v1/content", "/v1/decisions", "/h/", "/m/")
MODERATOR_PREFIXES = ("/v1/cases",)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[FastAPI, dict[str, str]]:
    """The app on a seeded workspace, and a key per role."""
    home = tmp_path_factory.mktemp("schemathesis") / "ws"
    app_settings = make_settings(home, max_request_bytes=64 * 1024)
    with Store.open(app_settings.resolved_database_url()) as store:
        tokens = seed(store)
    return create_app(app_settings), tokens


def _ready(app: FastAPI) -> None:
    """Schemathesis runs the app's lifespan from the first request of each test to its
    teardown; the engine loads in the background, so wait for it (a no-op once loaded)."""
    with asgi.get_client(app):  # starts the lifespan unless it runs already
        pass
    assert app.state.runtime.wait_ready(60)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_no_server_errors_and_responses_match_the_spec(
    case: Any, served: tuple[FastAPI, dict[str, str]]
) -> None:
    app, tokens = served
    _ready(app)
    role = "admin"
    if case.path.startswith(PLATFORM_PREFIXES):
        role = "platform"
    elif case.path.startswith(MODERATOR_PREFIXES):
        role = "moderator"
    headers = {"Authorization": f"Bearer {tokens[role]}"}
    response = case.call(app=app, headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
