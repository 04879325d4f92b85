"""Hostile input through the public surfaces (the REST API, the ``swengine`` CLI): each is refused with a clear
error (a location, or problem+json 4xx), nothing crashes, no traceback leaks, and the service keeps working."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from swengine.core.limits import MAX_DEPTH
from tests.api.conftest import Api, ApiFactory, assert_problem, deploy, unique
from tests.reliability.conftest import REPO, clean_env, swengine_command

YAML = {"content-type": "application/yaml"}
STRUCTURED = {"content-type": "application/cloudevents+json"}
HEADER = 'id: hostile\nversion: "1.0"\nspecVersion: "0.8"\nstart: A\n'
INJECT_END = "states:\n  - name: A\n    type: inject\n    data: {}\n    end: true\n"


def yaml_bomb() -> str:
    """Nine levels of nine aliases each: 387 million nodes once expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return HEADER + "\n".join(lines) + "\n" + INJECT_END


def with_expression(expression: str) -> str:
    """A workflow whose only action evaluates ``expression``."""
    return (
        HEADER
        + f"functions:\n  - name: f\n    type: expression\n    operation: {json.dumps(expression)}\n"
        + "states:\n  - name: A\n    type: operation\n    actions:\n      - functionRef: f\n    end: true\n"
    )


DOCUMENTS: dict[str, tuple[str, str]] = {
    # name: (text, the problem code expected)
    "yaml-bomb": (yaml_bomb(), "alias_limit_exceeded"),
    "deep-yaml": (HEADER + "x: " + "[" * 50_000 + "]" * 50_000 + "\n" + INJECT_END, "nesting_too_deep"),
    "deep-flow-mapping": (HEADER + "x: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n", "nesting_too_deep"),
    "duplicate-keys": (HEADER + "start: B\n" + INJECT_END, "duplicate_key"),
    "unknown-state-type": (
        HEADER + "states:\n  - name: A\n    type: teleport\n    end: true\n",
        "unknown_state_type",
    ),
    "cycle-without-exit": (
        HEADER + "states:\n  - {name: A, type: inject, data: {}, transition: B}\n"
        "  - {name: B, type: inject, data: {}, transition: A}\n",
        "no_exit_path",
    ),
    "forbidden-env": (with_expression("$ENV.HOME"), "forbidden_builtin"),
    "forbidden-env-builtin": (with_expression("env | keys"), "forbidden_builtin"),
    "forbidden-input": (with_expression("[inputs]"), "forbidden_builtin"),
    "forbidden-now": (with_expression("now"), "forbidden_builtin"),
    "forbidden-import": (with_expression('import "x" as $d; $d'), "forbidden_builtin"),
    "traversal-relative": (HEADER + "functions: ../../../../etc/passwd\n" + INJECT_END, "file_reference"),
    "traversal-absolute": (HEADER + "functions: /etc/passwd\n" + INJECT_END, "file_reference"),
    "traversal-file-url": (HEADER + "functions: file:///etc/passwd\n" + INJECT_END, "file_reference"),
    "traversal-schema": (HEADER + "dataInputSchema: ../../../../etc/shadow\n" + INJECT_END, "file_reference"),
    "not-a-mapping": ("- just\n- a list\n", "not_a_mapping"),
}

RUNAWAY_EXPRESSIONS = {
    "never-ends": "until(false; .)",
    "allocates-gigabytes": "[range(1e9)]",
    "string-of-a-gigabyte": '"x" * 1e9',
    "recursion-without-end": "def f: 1 + f; f",
}
"""jq that would freeze, exhaust or abort a worker evaluating in-process."""

RUNAWAY = """id: {id}
version: "1.0"
specVersion: "0.8"
start: Run
errors: [{{name: limit, code: expression_limit_exceeded}}]
functions: [{{name: runaway, type: expression, operation: {expression}}}]
states:
  - name: Run
    type: operation
    actions: [{{functionRef: runaway, actionDataFilter: {{toStateData: "${{ .out }}"}}}}]
    onErrors: [{{errorRef: limit, transition: Caught}}]
    end: true
  - {{name: Caught, type: inject, data: {{caught: true}}, end: true}}
"""

ENDLESS_LOOP = """id: {id}
version: "1.0"
specVersion: "0.8"
start: Check
functions: [{{name: increment, type: expression, operation: ".n + 1"}}]
states:
  - name: Check
    type: switch
    dataConditions: [{{condition: "${{ .n < 0 }}", transition: Done}}]
    defaultCondition: {{transition: Step}}
  - name: Step
    type: operation
    actions: [{{functionRef: increment, actionDataFilter: {{toStateData: "${{ .n }}"}}}}]
    transition: Check
  - {{name: Done, type: inject, data: {{}}, end: true}}
"""
"""Its exit condition is never met: it loops until terminated (validation cannot know the data)."""

HELLO = """id: {id}
version: "1.0"
specVersion: "0.8"
start: Greet
states: [{{name: Greet, type: inject, data: {{greeting: hello}}, end: true}}]
"""


# --- the REST API ------------------------------------------------------------------------------------------


async def still_works(api: Api) -> None:
    """A normal deploy, start and result succeed."""
    definition = unique("hello")
    await deploy(api, HELLO.format(id=definition))
    started = await api.http.post("/instances", json={"definition": definition, "input": {"n": 1}})
    assert started.status_code == 201, started.text
    instance_id = started.json()["instance_id"]
    result = await api.http.get(f"/instances/{instance_id}/result", params={"wait": "true", "timeout": 20})
    assert result.json()["output"] == {"n": 1, "greeting": "hello"}, result.text


def clean_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body = assert_problem(response, status, code)
    assert "Traceback" not in response.text
    return body


@pytest.fixture
async def api(make_api: ApiFactory):  # noqa: ANN201
    async with make_api() as serving:
        yield serving


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
async def test_hostile_definitions_are_refused_with_their_location(api: Api, name: str) -> None:
    text, code = DOCUMENTS[name]
    began = time.monotonic()
    response = await api.http.post("/definitions", content=text, headers=YAML)
    assert time.monotonic() - began < 10
    body = clean_problem(response, 422, "invalid_document")
    codes = [problem["code"] for problem in body["problems"]]
    assert any(found.startswith(code) for found in codes), body
    assert all(problem["line"] for problem in body["problems"]), body
    await still_works(api)


async def test_definitions_that_are_not_utf8_or_too_large_are_refused(make_api: ApiFactory) -> None:
    async with make_api(max_body=8 * 1024 * 1024) as api:
        binary = await api.http.post("/definitions", content=b"\x00\xff\xfe garbage", headers=YAML)
        clean_problem(binary, 400, "invalid_encoding")
        huge = HEADER + INJECT_END + "# " + "x" * (6 * 1024 * 1024) + "\n"  # under the body limit, over 5 MB
        body = clean_problem(
            await api.http.post("/definitions", content=huge, headers=YAML), 422, "invalid_document"
        )
        assert body["problems"][0]["code"] == "document_too_large"
        await still_works(api)
    async with make_api() as api:  # the default body limit answers first
        response = await api.http.post("/definitions", content=huge, headers=YAML)
        clean_problem(response, 413, "payload_too_large")
        await still_works(api)


@pytest.mark.parametrize("name", sorted(RUNAWAY_EXPRESSIONS))
async def test_runaway_jq_fails_only_its_state_and_the_worker_keeps_going(api: Api, name: str) -> None:
    expression = RUNAWAY_EXPRESSIONS[name]
    definition = unique(name)
    began = time.monotonic()
    response = await api.http.post("/definitions", content=RUNAWAY.format(id=definition, expression=json.dumps(expression)),
                                   headers=YAML)  # fmt: skip
    if response.status_code == 422:  # refused before it ever runs (folded while compiling): also fine
        body = clean_problem(response, 422, "invalid_document")
        assert body["problems"][0]["line"]
    else:
        assert response.status_code == 201, response.text
        started = await api.http.post("/instances", json={"definition": definition})
        instance_id = started.json()["instance_id"]
        result = await api.http.get(
            f"/instances/{instance_id}/result", params={"wait": "true", "timeout": 30}
        )
        assert result.json()["output"] == {"caught": True}, result.text
    assert time.monotonic() - began < 20
    await still_works(api)


async def test_a_loop_whose_exit_is_never_met_keeps_running_and_can_be_terminated(api: Api) -> None:
    definition = unique("endless")
    await deploy(api, ENDLESS_LOOP.format(id=definition))
    instance_id = (
        await api.http.post("/instances", json={"definition": definition, "input": {"n": 0}})
    ).json()["instance_id"]
    await still_works(api)  # the worker serves others while the loop spins

    async def progress() -> int:
        detail = (await api.http.get(f"/instances/{instance_id}")).json()
        assert detail["status"] == "running", detail
        return int((detail["data"] or {}).get("n", 0))

    first = await progress()
    await asyncio.sleep(0.2)
    deadline = time.monotonic() + 10
    while await progress() <= first and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert await progress() > first
    terminated = await api.http.post(f"/instances/{instance_id}/terminate", json={"reason": "test"})
    assert terminated.status_code == 200, terminated.text
    assert (await api.http.get(f"/instances/{instance_id}")).json()["status"] == "terminated"
    await still_works(api)


EVENT = {"specversion": "1.0", "id": "e-1", "source": "/reliability", "type": "com.example.reliability.poke"}
BINARY = {"ce-specversion": "1.0", "ce-id": "b-1", "ce-source": "/reliability", "ce-type": "com.example.x"}

BAD_EVENTS: dict[str, tuple[bytes, dict[str, str], int, str]] = {
    "structured-not-json": (b"this is {not json", STRUCTURED, 400, "invalid_event"),
    "structured-nan": (b'{"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "data": NaN}', STRUCTURED,
                       400, "invalid_event"),
    "binary-json-that-is-not": (b"nope{", {**BINARY, "content-type": "application/json"}, 400, "invalid_event"),
    "base64-json-that-is-not": (json.dumps({**EVENT, "datacontenttype": "application/json",
                                            "data_base64": "bm9wZXs="}).encode(), STRUCTURED, 400, "invalid_event"),
    "missing-id": (json.dumps({k: v for k, v in EVENT.items() if k != "id"}).encode(), STRUCTURED, 400,
                   "invalid_event"),
    "missing-source": (json.dumps({k: v for k, v in EVENT.items() if k != "source"}).encode(), STRUCTURED, 400,
                       "invalid_event"),
    "missing-type": (json.dumps({k: v for k, v in EVENT.items() if k != "type"}).encode(), STRUCTURED, 400,
                     "invalid_event"),
    "batch-with-one-bad": (json.dumps([EVENT, {"specversion": "1.0"}]).encode(),
                           {"content-type": "application/cloudevents-batch+json"}, 400, "invalid_event"),
    "not-an-event": (b'{"hello": "world"}', {"content-type": "application/json"}, 400, "invalid_event"),
    "nested-100k-deep": (b'{"specversion": "1.0", "id": "1", "source": "/s", "type": "t", "data": '
                         + b"[" * 100_000 + b"]" * 100_000 + b"}", STRUCTURED, 400, "invalid_event"),
    "nested-too-deep": (json.dumps({**EVENT, "data": json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))}
                                   ).encode(), STRUCTURED, 400, "nesting_too_deep"),
    "over-the-body-limit": (json.dumps({**EVENT, "data": "x" * (2 * 1024 * 1024)}).encode(), STRUCTURED, 413,
                            "payload_too_large"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD_EVENTS))
async def test_bad_events_are_refused_and_reach_no_instance(api: Api, name: str) -> None:
    body, headers, status, code = BAD_EVENTS[name]
    for path in ("/events",):
        clean_problem(await api.http.post(path, content=body, headers=headers), status, code)
    await still_works(api)


UNKNOWN = "no-such-instance"
TRAVERSING = "..%2F..%2Fetc%2Fpasswd"
"""Percent-encoded, so it reaches the route (an unencoded ``../`` is resolved by the client first)."""


async def test_unknown_instances_and_bad_requests_answer_problems(api: Api) -> None:
    for instance_id in (UNKNOWN, TRAVERSING, "a/b/c"):
        for method, path in [
            ("GET", f"/instances/{instance_id}"),
            ("GET", f"/instances/{instance_id}/result?wait=true"),
            ("POST", f"/instances/{instance_id}/cancel"),
            ("POST", f"/instances/{instance_id}/terminate"),
        ]:
            clean_problem(await api.http.request(method, path), 404, "instance_not_found")
    sent = await api.http.post(f"/instances/{UNKNOWN}/events", json=EVENT, headers=STRUCTURED)
    clean_problem(sent, 404, "instance_not_found")
    traversing = await api.http.get(f"/definitions/{TRAVERSING}")  # no route takes a '/' in a definition id
    assert traversing.json()["code"] in ("definition_not_found", "not_found")
    clean_problem(traversing, 404, traversing.json()["code"])
    clean_problem(await api.http.post("/instances", json={"definition": "nope"}), 404, "definition_not_found")
    malformed = await api.http.post(
        "/instances", content=b'{"definition": ', headers={"content-type": "application/json"}
    )
    clean_problem(malformed, 400, "malformed_json")
    deep = b'{"definition": "x", "input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await api.http.post("/instances", content=deep, headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500 and "Traceback" not in response.text, response.text
    big = {"definition": "x", "input": {"blob": "x" * (2 * 1024 * 1024)}}
    clean_problem(await api.http.post("/instances", json=big), 413, "payload_too_large")
    await still_works(api)


# --- the CLI -----------------------------------------------------------------------------------------------


def swengine(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(swengine_command(*args), cwd=cwd, env=clean_env(), capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


def test_cli_validate_reports_every_hostile_file_with_its_location(tmp_path: Path) -> None:
    for name, (text, _) in DOCUMENTS.items():
        (tmp_path / f"{name}.sw.yaml").write_text(text)
    (tmp_path / "binary.sw.yaml").write_bytes(b"\x00\xff\xfe garbage")
    (tmp_path / "huge.sw.yaml").write_text(HEADER + INJECT_END + "# " + "x" * (6 * 1024 * 1024) + "\n")
    (tmp_path / "link.json").symlink_to("/etc/passwd")
    (tmp_path / "symlink.sw.yaml").write_text(HEADER + "functions: link.json\n" + INJECT_END)
    began = time.monotonic()
    result = swengine("validate", "--root", str(tmp_path), *sorted(p.name for p in tmp_path.glob("*.sw.yaml")),
                      cwd=tmp_path)  # fmt: skip
    assert time.monotonic() - began < 60
    assert result.returncode == 1, result.stdout + result.stderr
    assert_clean(result)
    report = result.stdout + result.stderr
    for name, (_, code) in DOCUMENTS.items():
        lines = [line for line in report.splitlines() if line.startswith(f"{name}.sw.yaml:")]
        assert lines and any(code in line for line in lines), (name, report)
        assert all(line.split(":")[1].isdigit() for line in lines), lines  # file:line:col
    for name, code in [("binary", "parse_error"), ("huge", "document_too_large"),
                       ("symlink", "file_reference_outside_root")]:  # fmt: skip
        assert any(line.startswith(f"{name}.sw.yaml:") and code in line for line in report.splitlines()), (
            report
        )
    assert ":0:0:" not in report  # no content of the referenced files leaks into the report
    fine = swengine("validate", str(REPO / "specs" / "hello.sw.yaml"), cwd=REPO)
    assert fine.returncode == 0, fine.stdout + fine.stderr


def test_cli_run_refuses_a_bomb_and_survives_runaway_jq(tmp_path: Path) -> None:
    (tmp_path / "bomb.sw.yaml").write_text(yaml_bomb())
    bomb = swengine("run", "bomb.sw.yaml", cwd=tmp_path)
    assert bomb.returncode == 1
    assert_clean(bomb)
    assert "bomb.sw.yaml:" in bomb.stderr and "alias_limit_exceeded" in bomb.stderr

    (tmp_path / "spin.sw.yaml").write_text(with_expression("until(false; .)"))
    began = time.monotonic()
    spin = swengine("run", "spin.sw.yaml", cwd=tmp_path)
    assert time.monotonic() - began < 60
    assert spin.returncode == 1, spin.stdout + spin.stderr
    assert_clean(spin)
    assert "expression_limit_exceeded" in spin.stderr
    assert spin.stdout.strip() == ""

    (tmp_path / "recurse.sw.yaml").write_text(
        RUNAWAY.format(id="recurse", expression=json.dumps(RUNAWAY_EXPRESSIONS["recursion-without-end"]))
    )
    caught = swengine("run", "recurse.sw.yaml", cwd=tmp_path)
    assert caught.returncode == 0, caught.stdout + caught.stderr
    assert json.loads(caught.stdout) == {"caught": True}
    assert_clean(caught)
