"""1.0 ``call: a2a`` against a loopback agent built with the official A2A SDK: message/send through its agent
card (the message's id and role defaulted), tasks/get by id, message/stream as an array, a bearer policy, an
agent error, and the allow-list."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from swengine.compiler.pipeline import compile_text
from tests import a2a_standin
from tests.integration.conftest import outcome
from tests.standins import asgi_server

ERRORS = "https://serverlessworkflow.io/spec/1.0.0/errors/"
MESSAGE = "parameters: {message: {parts: [{kind: text, text: '${ .text }'}]}}\n"


@pytest_asyncio.fixture
async def agent(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    async with asgi_server(a2a_standin.agent_app) as base:
        monkeypatch.setenv("SWENGINE_REST_ALLOW", base.split("://", 1)[1])
        yield base


def document(tasks: str) -> Any:
    head = "document: {dsl: '1.0.3', namespace: a2a, name: call, version: '1.0.0'}\n"
    use = f"use:\n  authentications:\n    agent: {{bearer: {{token: {a2a_standin.TOKEN}}}}}\n"
    return compile_text(head + use + "do:\n" + textwrap.indent(textwrap.dedent(tasks), "  "))


def card(base: str) -> str:
    return f"agentCard: {{endpoint: {{uri: '{base}/.well-known/agent-card.json', authentication: {{use: agent}}}}}}\n"


def call(name: str, body: str) -> str:
    return f"- {name}:\n    call: a2a\n    with:\n" + textwrap.indent(body, " " * 6)


async def test_message_send_through_the_card_then_tasks_get(client, agent):
    server = f"server: {{uri: '{agent}/rpc', authentication: {{use: agent}}}}\n"
    ir = document(
        call("send", "method: message/send\n" + card(agent) + MESSAGE)
        + call("get", "method: tasks/get\n" + server + "parameters: {id: '${ .id }'}\n")
    )
    task = await outcome(client, ir, {"text": "hello"})
    assert (task["kind"], task["status"]["state"]) == ("task", "completed")
    assert task["artifacts"][0]["parts"] == [{"kind": "text", "text": "echo: hello"}]
    sent = task["history"][0]
    assert (sent["role"], len(sent["messageId"])) == ("user", 36)


async def test_message_stream_outputs_every_result(client, agent):
    ir = document(call("stream", "method: message/stream\n" + card(agent) + MESSAGE))
    results = await outcome(client, ir, {"text": "hi"})
    assert isinstance(results, list) and len(results) > 1
    assert results[-1]["status"]["state"] == "completed"


async def test_an_agent_error_is_a_runtime_error(client, agent):
    server = f"server: {{uri: '{agent}/rpc', authentication: {{use: agent}}}}\n"
    error = await outcome(
        client, document(call("get", "method: tasks/get\n" + server + "parameters: {id: nope}\n"))
    )
    assert (error["fault"]["type"], error["fault"]["status"]) == (ERRORS + "runtime", 500)


async def test_without_the_policy_the_agent_refuses(client, agent):
    ir = document(call("send", f"method: message/send\nserver: '{agent}/rpc'\n" + MESSAGE))
    error = await outcome(client, ir, {"text": "hi"})
    assert (error["fault"]["type"], error["fault"]["status"]) == (ERRORS + "runtime", 500)


async def test_an_agent_the_operator_did_not_allow_is_refused(client, agent, monkeypatch):
    monkeypatch.setenv("SWENGINE_REST_ALLOW", "elsewhere.example")
    error = await outcome(
        client, document(call("send", "method: message/send\n" + card(agent) + MESSAGE)), {"text": "x"}
    )
    assert (error["fault"]["type"], error["fault"]["status"]) == (ERRORS + "authorization", 403)
