"""The definition store under ``swengine serve`` (issue 11, item 7): a store deleted while serving makes
readiness fail and deploys refuse (never a silent 201 lost at the next start); a corrupted store stops the start
with a clear message (never a traceback); a definition replaced through the API survives restarts, unless
its file changed afterwards."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from tests.reliability.conftest import Process, Serve

YAML = {"content-type": "application/yaml"}


def greet(greeting: str) -> str:
    return f"""id: greet
version: "1.0"
specVersion: "0.8"
start: Greet
states:
  - name: Greet
    type: inject
    data: {{greeting: {greeting}}}
    end: true
"""


def _greeting(http: httpx.Client) -> str:
    return str(http.get("/definitions/greet").json()["source"])


def test_serve_never_reverts_an_api_replace_but_takes_a_newer_file(
    tmp_path: Path, processes: list[Process]
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    spec_file = specs / "greet.sw.yaml"
    spec_file.write_text(greet("from-file"))
    os.utime(spec_file, (time.time() - 60, time.time() - 60))
    serve = Serve(tmp_path, specs)
    processes.append(serve)
    serve.start_and_wait()
    http = httpx.Client(base_url=serve.url, timeout=30)
    assert http.get("/definitions/greet").json()["origin"] == "file"
    replaced = http.post("/definitions", params={"replace": "true"}, content=greet("from-api"), headers=YAML)
    assert (replaced.json()["status"], replaced.json()["origin"]) == ("updated", "api")

    serve.stop()
    serve.start_and_wait()
    assert "from-api" in _greeting(http)
    assert "replaced through the API" in serve.log()

    spec_file.write_text(greet("edited-file"))  # the operator edits the file after the API replace
    serve.stop()
    serve.start_and_wait()
    assert "edited-file" in _greeting(http)


def test_a_deleted_store_is_not_ready_and_refuses_deploys_and_a_corrupted_one_stops_the_start(
    tmp_path: Path, processes: list[Process]
) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    serve = Serve(tmp_path, specs)
    processes.append(serve)
    serve.start_and_wait()
    http = httpx.Client(base_url=serve.url, timeout=30)
    assert http.post("/definitions", content=greet("one"), headers=YAML).status_code == 201
    for leftover in (tmp_path / "data").glob("store.db*"):
        leftover.unlink()
    ready = http.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["store"].startswith("failed")
    refused = http.post("/definitions", content=greet("two").replace("1.0", "2.0"), headers=YAML)
    assert (refused.status_code, refused.json()["code"]) == (503, "store_unavailable")
    serve.stop()

    (tmp_path / "data" / "store.db").write_bytes(b"garbage, not SQLite" * 512)
    serve.start()
    assert serve.process is not None
    code = serve.process.wait(timeout=90)
    assert code != 0
    assert "store_unavailable" in serve.log() and "Traceback" not in serve.log()
