"""Schemathesis on the notice, appeal and data-request routes, each called with a key of a
role it admits (the suite-wide run uses admin keys here, which most of them refuse)."""

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
ROLES = (
    ("POST", "/v1/notices/", "platform"),
    ("GET", "/v1/notices/", "auditor"),
    ("POST", "/v1/appeals/", "moderator"),
    ("GET", "/v1/appeals", "moderator"),
    ("POST", "/v1/data-requests/{request_id}/review", "auditor"),
    ("GET", "/v1/data-requests", "auditor"),
    ("POST", "/v1/data-requests", "admin"),
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def role_for(method: str, path: str) -> str:
    for wanted_method, prefix, role in ROLES:
        if method == wanted_method and path.startswith(prefix):
            return role
    return "admin"  # e.g. the unsupported methods schemathesis also tries


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[FastAPI, dict[str, str]]:
    home = tmp_path_factory.mktemp("schemathesis-accountability") / "ws"
    app_settings = make_settings(home, max_request_bytes=64 * 1024)
    with Store.open(app_settings.resolved_database_url()) as store:
        tokens = seed(store)
    return create_app(app_settings), tokens


@schema.include(path_regex=r"^/v1/(notices|appeals|data-requests)").parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_accountability_routes_match_the_spec(
    case: Any, served: tuple[FastAPI, dict[str, str]]
) -> None:
    app, tokens = served
    with asgi.get_client(app):
        pass
    assert app.state.runtime.wait_ready(60)
    headers = {"Authorization": f"Bearer {tokens[role_for(case.method, case.path)]}"}
    response = case.call(app=app, headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
