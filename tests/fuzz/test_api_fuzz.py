"""Schemathesis against the running API's own OpenAPI document (issue 11): ``swengine serve`` on loopback,
every operation fed generated requests, bounded (a few examples per operation, derandomized so CI is
repeatable). Every 5xx fails, and every answer must match what the document says the operation answers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from swengine.api.app import create_app
from swengine.core.settings import Settings
from tests.reliability.conftest import Serve

EXAMPLES = 12
"""Per operation: enough to reach every status an operation documents, small enough for CI (about a minute)."""
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]

GREETING = """id: greeting
version: "1.0"
specVersion: "0.8"
start: Greet
states:
  - {name: Greet, type: inject, data: {greeting: hello}, end: true}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    workdir = tmp_path_factory.mktemp("fuzz")
    specs = workdir / "specs"
    specs.mkdir()
    (specs / "greeting.sw.yaml").write_text(GREETING)
    serve = Serve(workdir, specs, env={"SWENGINE_BODY_TIMEOUT": "5"})
    try:
        serve.start_and_wait()
        yield serve
    finally:
        serve.stop()
        assert "Traceback" not in serve.log(), serve.log()


schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
"""The document the server serves (the same app), read at collection so each operation is its own test."""
schema.config.generation.update(modes=list(GenerationMode), deterministic=True)
"""Requests that fit the document and requests that break it (those must be 4xx, never 5xx)."""


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx_or_off_its_documented_shape(case: schemathesis.Case, server: Serve) -> None:
    response = case.call(base_url=server.url, timeout=60)
    case.validate_response(response, checks=CHECKS)


def test_the_served_document_is_the_one_fuzzed(server: Serve) -> None:
    assert httpx.get(f"{server.url}/openapi.json", timeout=10).json() == schema.raw_schema
    assert httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200
