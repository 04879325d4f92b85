"""What an instance remembers of the events it was sent, carried from run to run: bounded in count and in bytes,
the newest kept, so a continue-as-new always fits Temporal's payload limit."""

from __future__ import annotations

from swengine.compiler import compile_workflow
from swengine.core.ir import RunRequest
from swengine.core.ir_codec import encode
from swengine.core.limits import (
    MAX_PENDING_BYTES,
    MAX_SEEN_KEY_BYTES,
    MAX_SEEN_KEYS,
    START_REQUEST_LIMIT,
    payload_size,
)
from swengine.interpreter.inbox import Inbox


def _inbox(count: int, width: int) -> Inbox:
    inbox = Inbox()
    inbox.bounded = True
    for index in range(count):
        inbox.deliver({"type": "t", "source": "s" * width, "id": f"{index:06d}" + "i" * width, "data": {}})
    return inbox


def test_long_keys_are_remembered_newest_first_within_their_bytes():
    inbox = _inbox(1_100, 1_000)  # sources and ids of a kilobyte each, as CloudEvents allow
    kept = inbox.recent_keys(MAX_SEEN_KEYS, MAX_SEEN_KEY_BYTES)
    assert 0 < len(kept) < 1_100 and kept == inbox.seen()[-len(kept) :]
    assert payload_size(kept) <= MAX_SEEN_KEY_BYTES
    ir = compile_workflow({"id": "w", "specVersion": "0.8", "start": "S",
                           "states": [{"name": "S", "type": "inject", "data": {}, "end": True}]})  # fmt: skip
    request = RunRequest(ir=ir, input={}, seen_event_keys=kept, events=inbox.pending())
    assert payload_size(inbox.pending()) <= MAX_PENDING_BYTES
    assert payload_size(encode(request)) < START_REQUEST_LIMIT


def test_ordinary_keys_are_all_remembered_up_to_their_count():
    inbox = _inbox(MAX_SEEN_KEYS + 5, 16)
    kept = inbox.recent_keys(MAX_SEEN_KEYS, MAX_SEEN_KEY_BYTES)
    assert kept == inbox.seen()[-MAX_SEEN_KEYS:]
