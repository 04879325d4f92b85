"""The jq that 1.0 tasks need to do what 0.8 did implicitly: data merging, data filters, event payloads.

0.8 merges action results and event data into the state data (objects key by key, arrays concatenated
without duplicates); 1.0 only replaces. ``merge08`` is that merge, written once in jq and defined inline
wherever a migrated expression needs it (1.0 has no shared jq definitions).
"""

from __future__ import annotations

import json
import re
from typing import Any

from swengine import expressions

MERGE = (
    "def merge08($a; $b): "
    'if [($a, $b) | type] == ["object", "object"] then '
    "reduce ($b | keys_unsorted[]) as $k ($a; .[$k] = if has($k) then merge08(.[$k]; $b[$k]) else $b[$k] end) "
    'elif [($a, $b) | type] == ["array", "array"] then '
    "reduce $b[] as $x ($a; if any(.[]; . == $x) then . else . + [$x] end) "
    "else $b end;"
)
MERGE_AT = "def merge08_at($a; $p; $b): if $p == [] then merge08($a; $b) else $a | setpath($p; merge08(getpath($p); $b)) end;"
"""0.8 "Data Merging" (what ``core.json_merge.merge_at`` does for 0.8 instances) as jq."""

_CONST = re.compile(r"\$CONST\b")


def body(value: str) -> str:
    """The jq of a 0.8 expression, ``${ }`` or bare."""
    return expressions.strip(value)


def wrap(program: str) -> str:
    """A 1.0 runtime expression (with the merge definitions in front when it merges)."""
    return "${ " + uses_merge(program) + " }"


def uses_merge(program: str) -> str:
    """``program`` with the merge definitions in front when it calls them."""
    if "def merge08(" in program:
        return program
    if "merge08_at" in program:
        return f"{MERGE} {MERGE_AT} {program}"
    return f"{MERGE} {program}" if "merge08" in program else program


def pipe(*programs: str | None) -> str:
    """Programs one after the other; missing and identity steps are left out."""
    steps = [p for p in programs if p and p.strip() != "."]
    if not steps:
        return "."
    return " | ".join(steps) if len(steps) == 1 else " | ".join(f"({step})" for step in steps)


def merged(target: str, value: str, to_state_data: str | None) -> str:
    """``value`` merged into ``target`` at ``toStateData`` (a path expression over the target), 0.8 style."""
    if to_state_data is None:
        return f"merge08({target}; {value})"
    return f"merge08_at({target}; ({target} | path({to_state_data})); {value})"


def merged_literal(value: Any) -> str:
    """jq merging a constant into the data; without arrays in it, jq's own ``*`` merges exactly as 0.8 does."""
    if isinstance(value, dict) and not _has_array(value):
        return f'(if type == "object" then . else {{}} end) * {literal(value)}'
    return f"merge08(.; {literal(value)})"


def _has_array(value: Any) -> bool:
    if isinstance(value, list):
        return True
    return isinstance(value, dict) and any(_has_array(item) for item in value.values())


def literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def inline_constants(program: str, constants: dict[str, Any] | None) -> str:
    """``$CONST`` (0.8's workflow constants, which 1.0 does not have) replaced by their literal value."""
    if not constants or "$CONST" not in program:
        return program
    return _CONST.sub(lambda _: f"({literal(constants)})", program)
