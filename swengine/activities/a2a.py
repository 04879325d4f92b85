"""Engine activity for 1.0 ``call: a2a``: one A2A JSON-RPC request (the method names the spec lists, A2A
0.3's) to the agent a card describes (its ``url``, or its JSON-RPC ``supportedInterfaces`` entry) or to
``server``, over httpx with the one outbound check on every request (card and agent alike).

The output is the JSON-RPC result; for ``message/stream`` and ``tasks/resubscribe`` the array of every
result the stream carried. Any failure is a ``runtime`` error (500), as the spec asks.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from temporalio import activity

from swengine.activities.answers import DOCUMENT_LIMIT, check_bound, send_bounded
from swengine.activities.authentication import auth_for
from swengine.activities.outbound import request_guard
from swengine.activities.rest_allow import PinnedTransport
from swengine.activities.secrets import SecretBox, fault, with_secrets
from swengine.core.ir_tasks import A2A_ACTIVITY
from swengine.core.limits import PAYLOAD_LIMIT

TIMEOUT = 60.0
STREAMS = frozenset({"message/stream", "tasks/resubscribe"})
MESSAGE_SENDS = frozenset({"message/send", "message/stream"})
METHODS = frozenset(
    {
        *MESSAGE_SENDS,
        "tasks/get",
        "tasks/list",
        "tasks/cancel",
        "tasks/resubscribe",
        "tasks/pushNotificationConfig/set",
        "tasks/pushNotificationConfig/get",
        "tasks/pushNotificationConfig/list",
        "tasks/pushNotificationConfig/delete",
        "agent/getAuthenticatedExtendedCard",
    }
)


@activity.defn(name=A2A_ACTIVITY)
async def call_a2a(payload: dict[str, Any]) -> Any:
    """One A2A request: ``payload`` is ``{"function", "protocol", "arguments"}`` (the task's name and ``with``)."""
    return await with_secrets(payload, _invoke)


async def _invoke(payload: dict[str, Any], box: SecretBox) -> Any:
    function, arguments = str(payload.get("function")), payload["arguments"]
    method = str(arguments.get("method"))
    if method not in METHODS:
        raise fault("runtime", f"call '{function}': '{method}' is not an A2A method the spec lists")

    card = (arguments.get("agentCard") or {}).get("endpoint")
    endpoint = arguments.get("server") if card is None else card
    async with httpx.AsyncClient(
        timeout=TIMEOUT,
        auth=auth_for(endpoint, box),
        event_hooks={"request": [request_guard(function)]},
        transport=PinnedTransport(),
    ) as client:
        url = _uri(endpoint) if card is None else await _agent_url(client, function, _uri(card))
        request = {"jsonrpc": "2.0", "id": str(uuid.uuid4()), "method": method}
        request["params"] = _parameters(method, arguments.get("parameters"))
        try:
            if method in STREAMS:
                return await _stream(client, url, request, function)
            response = await send_bounded(client, client.build_request("POST", url, json=request))
        except httpx.HTTPError as error:
            raise fault("runtime", f"call '{function}': {type(error).__name__}", detail=str(error)) from None
    return _result(response.json() if _is_json(response) else None, response, function)


def _uri(endpoint: Any) -> str:
    return str(endpoint.get("uri") if isinstance(endpoint, dict) else endpoint)


async def _agent_url(client: httpx.AsyncClient, function: str, card_uri: str) -> str:
    """The JSON-RPC URL of the agent the card describes (A2A 0.3's ``url``, or 1.0's interfaces)."""
    try:
        answer = await send_bounded(client, client.build_request("GET", card_uri), DOCUMENT_LIMIT)
        card = answer.json() if answer.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        card = {}
    interfaces = card.get("supportedInterfaces") if isinstance(card, dict) else None
    for interface in interfaces or ():
        if (
            isinstance(interface, dict)
            and interface.get("protocolBinding") == "JSONRPC"
            and interface.get("url")
        ):
            return str(interface["url"])
    if isinstance(card, dict) and isinstance(card.get("url"), str):
        return card["url"]
    raise fault("runtime", f"call '{function}': {card_uri} is not an agent card naming a JSON-RPC endpoint")


def _parameters(method: str, given: Any) -> Any:
    """``message.messageId`` defaults to a UUID and ``message.role`` to ``user``, as the spec asks."""
    if (
        method not in MESSAGE_SENDS
        or not isinstance(given, dict)
        or not isinstance(given.get("message"), dict)
    ):
        return given if given is not None else {}
    message = {"messageId": str(uuid.uuid4()), "role": "user", "kind": "message", **given["message"]}
    return {**given, "message": message}


async def _stream(client: httpx.AsyncClient, url: str, request: dict[str, Any], function: str) -> list[Any]:
    """Every result of a server-sent event stream, in order (the stream read up to the payload limit)."""
    results = []
    read, pending = 0, ""
    async with client.stream("POST", url, json=request, headers={"accept": "text/event-stream"}) as response:
        if response.status_code >= 400:
            raise fault("runtime", f"call '{function}': the agent answered {response.status_code}")
        async for text in response.aiter_text():
            read += len(text)
            check_bound(read, PAYLOAD_LIMIT, response.request)
            *lines, pending = (pending + text).split("\n")
            results += [_event(line, response, function) for line in lines if line.startswith("data:")]
    if pending.startswith("data:"):
        results.append(_event(pending, response, function))
    return results


def _event(line: str, response: httpx.Response, function: str) -> Any:
    return _result(json.loads(line[5:]), response, function)


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")


def _result(answer: Any, response: httpx.Response, function: str) -> Any:
    if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
        raise fault(
            "runtime", f"call '{function}': the agent answered {response.status_code} without JSON-RPC"
        )
    if "error" in answer:
        error = answer["error"] if isinstance(answer["error"], dict) else {}
        title = f"call '{function}': the agent answered error {error.get('code')}"
        raise fault("runtime", title, detail=str(error.get("message") or "") or None)
    return answer["result"]
