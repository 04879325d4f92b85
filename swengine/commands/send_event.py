"""``swengine send-event``: POST one CloudEvent (structured mode) to a running deployment and say whom it reached."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any

import httpx

from swengine.commands.inputs import UsageError, json_or_file
from swengine.commands.remote import add_server_argument, answer_json, server_client, unreachable
from swengine.runtime.cloudevents import STRUCTURED, parse_event


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "event", nargs="?", metavar="FILE_OR_JSON", help="the whole CloudEvent (JSON or a file)"
    )
    add_server_argument(parser)
    parser.add_argument("--type", help="event type (builds the event from options instead of FILE_OR_JSON)")
    parser.add_argument("--source", help="event source")
    parser.add_argument("--id", help="event id (default: a new UUID, printed so the event can be resent)")
    parser.add_argument("--data", help="event data: JSON text or a file")
    parser.add_argument("--subject", help="event subject")
    parser.add_argument("--attr", action="append", default=[], metavar="NAME=VALUE",
                        help="extension attribute, e.g. a correlation key: --attr patientid=PID-1")  # fmt: skip


def _from_options(args: argparse.Namespace) -> dict[str, Any]:
    if not args.type or not args.source:
        raise UsageError("give FILE_OR_JSON, or at least --type and --source")
    event: dict[str, Any] = {"specversion": "1.0", "id": args.id, "source": args.source, "type": args.type}
    if not args.id:
        event["id"] = str(uuid.uuid4())
        print(f"event id {event['id']}", file=sys.stderr)
    if args.subject:
        event["subject"] = args.subject
    for item in args.attr:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"expected NAME=VALUE, got {item!r}")
        event[name] = value
    if args.data is not None:
        event["datacontenttype"] = "application/json"
        event["data"] = json_or_file(args.data)
    return event


def build_event(args: argparse.Namespace) -> dict[str, Any]:
    """The event to send, checked here first so a bad one fails before it travels."""
    if args.event is not None:
        if args.type or args.source or args.id or args.data is not None or args.attr or args.subject:
            raise UsageError("give either FILE_OR_JSON or --type/--source/... options, not both")
        return parse_event(json_or_file(args.event))
    return parse_event(_from_options(args))


def post_event(server: str, event: dict[str, Any]) -> dict[str, Any]:
    try:
        with server_client(server) as client:
            response = client.post("/events", content=json.dumps(event), headers={"content-type": STRUCTURED})
    except httpx.HTTPError as err:
        raise unreachable(server, err) from err
    return answer_json(response)


def main(args: argparse.Namespace) -> int:
    answer = post_event(args.server, build_event(args))
    for instance_id in answer.get("started", []):
        print(f"started    {instance_id}")
    fates: dict[str, str] = {}
    for result in answer.get("results", []):
        fates.update(result.get("fates") or {})
    for instance_id in answer.get("delivered", []):
        fate = fates.get(instance_id)
        print(f"delivered  {instance_id}" + (f" ({fate})" if fate else ""))
    if not answer.get("started") and not answer.get("delivered"):
        print("no instance consumes this event", file=sys.stderr)
    return 0
