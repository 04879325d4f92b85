"""Built-in activities a workflow names as ``operation: builtin.<verb>`` in a ``custom`` function.

Each takes ONE argument, the action's arguments object, and returns JSON. Bad arguments raise a
non-retryable ``ApplicationError`` of type ``invalid_arguments`` naming the argument and what was expected.
Unknown argument names are refused too, so a typo fails loudly instead of being ignored.

| verb                   | arguments                                                   | returns                  |
|------------------------|-------------------------------------------------------------|--------------------------|
| builtin.merge          | objects: [object, ...]                                      | deep-merged object (1)   |
| builtin.pick           | object, keys: ["a", "b.c", ["key.with.dots"], ...]          | object with only those   |
| builtin.omit           | object, keys (as for pick)                                  | object without those     |
| builtin.set            | object? ({}), path: "a.b.c" or ["a", "b"], value            | copy with value set (2)  |
| builtin.template       | template: "Hello {name}!", values? ({})                     | string (3)               |
| builtin.log            | message, level?: debug/info/warning/error, data?            | {"logged": true}         |
| builtin.uuid           | (none)                                                      | {"uuid": "..."}          |
| builtin.now            | format?: iso/epoch/epoch_ms                                 | {"now": ...} (4)         |
| builtin.base64_encode  | data: text, urlsafe?: bool                                  | {"data": base64}         |
| builtin.base64_decode  | data: base64, urlsafe?: bool                                | {"data": text}           |
| builtin.hash           | data: any JSON, algorithm?: sha256/sha1/md5/sha512          | {"hash": hex} (5)        |
| builtin.json_parse     | text                                                        | {"value": ...}           |
| builtin.json_stringify | value, indent?: 0-8, sort_keys?: bool                       | {"text": ...}            |
| builtin.echo           | anything                                                    | its arguments unchanged  |
| builtin.fail           | type? (builtin_fail), message?, retryable? (false), details?| never returns: raises    |

(1) Serverless Workflow 0.8 data merging: objects merge key by key, later wins; two arrays concatenate
    keeping unique elements (JSON equality, first occurrence kept); any other pair: the later value wins.
(2) Missing or null objects along the path are created; any other non-object there is refused.
(3) Only ``{name}`` / ``{a.b}`` lookups into ``values`` objects, ``{{``/``}}`` for braces; non-strings render
    as compact JSON; a missing key is refused. Output at most 1 MiB.
(4) ISO is UTC to the second with a ``Z`` (the form jq's ``fromdateiso8601`` reads); epochs are integers.
(5) Strings hash as their UTF-8 bytes; other values as canonical JSON (sorted keys, no spaces, UTF-8).

Text in and out is bounded (1 MiB), as is nesting depth (100), so a bad workflow cannot stall a worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from builtin_activities.clock import now
from builtin_activities.data import merge, omit, pick, set_value
from builtin_activities.diagnostics import echo, fail, log
from builtin_activities.encoding import base64_decode, base64_encode, hash_data, json_parse, json_stringify
from builtin_activities.ids import uuid
from builtin_activities.text import template

ACTIVITIES: list[Callable[..., Any]] = [
    merge,
    pick,
    omit,
    set_value,
    template,
    log,
    uuid,
    now,
    base64_encode,
    base64_decode,
    hash_data,
    json_parse,
    json_stringify,
    echo,
    fail,
]
"""Every built-in activity, for the worker to register."""

LOCAL_SAFE: frozenset[str] = frozenset(
    {
        # pure functions of their arguments
        "builtin.merge",
        "builtin.pick",
        "builtin.omit",
        "builtin.set",
        "builtin.template",
        "builtin.base64_encode",
        "builtin.base64_decode",
        "builtin.hash",
        "builtin.json_parse",
        "builtin.json_stringify",
        "builtin.echo",
        "builtin.fail",
        # not pure, but a local activity's result is recorded as a marker and replayed from it; a re-run
        # only happens when the workflow task that asked was lost, so no one saw the first value
        "builtin.uuid",
        "builtin.now",
        # a re-run at worst writes the same line twice, which is harmless for a log
        "builtin.log",
    }
)
"""Names that are cheap, do no I/O beyond logging, and stay correct when run as LOCAL activities."""

__all__ = ["ACTIVITIES", "LOCAL_SAFE"]
