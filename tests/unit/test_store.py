"""The SQLite definition store: outcomes of put, versions, IR round trip, persistence, threads."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from swengine.compiler.pipeline import compile_text
from swengine.core.errors import Conflict, NotFound, SwengineError
from swengine.core.ir import IR_VERSION
from swengine.core.ir_codec import ir_to_json
from swengine.runtime.store import SqliteDefinitionStore, StoreDamaged, open_store

SPECS = Path(__file__).resolve().parents[2] / "specs"


def text(definition_id: str = "flow", version: str | None = "1.0", greeting: str = "hi") -> str:
    version_line = f'version: "{version}"\n' if version else ""
    return (f'id: {definition_id}\n{version_line}specVersion: "0.8"\nstart: S\n'
            f"states:\n  - name: S\n    type: inject\n    data: {{greeting: {greeting}}}\n    end: true\n")  # fmt: skip


def put(store: SqliteDefinitionStore, source: str, *, replace: bool = False) -> str:
    return store.put(compile_text(source), source, "application/yaml", replace=replace)[0]


@pytest.fixture
def store(tmp_path: Path):
    opened = SqliteDefinitionStore(tmp_path / "store.db")
    yield opened
    opened.close()


def test_put_outcomes_and_conflict(store: SqliteDefinitionStore) -> None:
    assert put(store, text()) == "created"
    assert put(store, text()) == "unchanged"
    with pytest.raises(Conflict) as conflict:
        put(store, text(greeting="changed"))
    assert conflict.value.code == "definition_version_conflict"
    assert conflict.value.http_status == 409
    assert put(store, text(greeting="changed"), replace=True) == "updated"
    assert "changed" in store.get("flow").source


def test_latest_is_the_newest_deployment_not_the_highest_version(store: SqliteDefinitionStore) -> None:
    put(store, text(version="2.0"))
    put(store, text(version="1.0"))
    assert store.get("flow").version == "1.0"
    assert store.get("flow", "2.0").version == "2.0"
    put(store, text(version="2.0", greeting="fix"), replace=True)  # a replace is not a new deployment
    assert store.get("flow").version == "1.0"
    assert [s.version for s in store.list("flow")] == ["2.0", "1.0"]
    assert store.lookup("flow", None).version == "1.0"
    assert store.lookup("flow", "3.0") is None
    assert store.lookup("other", None) is None


def test_documents_without_version(store: SqliteDefinitionStore) -> None:
    assert put(store, text(version=None)) == "created"
    stored = store.get("flow")
    assert stored.version is None
    assert store.lookup("flow", None) == stored.ir


def test_ir_round_trips_exactly(store: SqliteDefinitionStore) -> None:
    for path in sorted(SPECS.glob("*.sw.yaml")):
        source = path.read_text()
        ir = compile_text(source, source=str(path))
        store.put(ir, source, "application/yaml")
        fresh = SqliteDefinitionStore(store._db.execute("PRAGMA database_list").fetchone()[2])
        try:
            assert fresh.get(ir.id).ir == ir, path
        finally:
            fresh.close()


def test_latest_lists_one_ir_per_id(store: SqliteDefinitionStore) -> None:
    put(store, text("a", "1.0"))
    put(store, text("a", "2.0"))
    put(store, text("b", "1.0"))
    assert [(ir.id, ir.version) for ir in store.latest()] == [("a", "2.0"), ("b", "1.0")]


def test_delete(store: SqliteDefinitionStore) -> None:
    put(store, text(version="1.0"))
    put(store, text(version="2.0"))
    assert store.delete("flow", "2.0") == 1
    assert store.get("flow").version == "1.0"
    assert store.delete("flow") == 1
    with pytest.raises(NotFound) as missing:
        store.delete("flow")
    assert missing.value.code == "definition_not_found"
    with pytest.raises(NotFound):
        store.get("flow")


def test_survives_reopening_and_uses_wal(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/data/store.db")
    put(store, text())
    store.close()
    again = open_store(f"sqlite:///{tmp_path}/data/store.db")
    assert again.get("flow").version == "1.0"
    again.check()
    again.close()
    mode = sqlite3.connect(tmp_path / "data" / "store.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_row_from_another_ir_version_is_recompiled(store: SqliteDefinitionStore) -> None:
    put(store, text())
    store._db.execute("UPDATE definitions SET ir = '{\"garbage\": true}', ir_version = 0")
    store._decoded.clear()
    assert store.get("flow").ir == compile_text(text(), source="flow")


def test_concurrent_puts_from_threads(store: SqliteDefinitionStore) -> None:
    sources = [text(f"t{i}", "1.0") for i in range(20)]
    compiled = [compile_text(s) for s in sources]
    outcomes: list[str] = []

    def deploy(index: int) -> None:
        for _ in range(3):
            outcomes.append(store.put(compiled[index], sources[index], "application/yaml")[0])

    threads = [threading.Thread(target=deploy, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count("created") == 20
    assert outcomes.count("unchanged") == 40
    assert len(store.list()) == 20


def test_only_sqlite_urls(tmp_path: Path) -> None:
    with pytest.raises(SwengineError) as refused:
        open_store("postgresql://db/swengine")
    assert refused.value.code == "unsupported_store"
    memory = open_store("sqlite:///:memory:")
    put(memory, text())
    memory.close()


def test_a_corrupted_store_is_refused_at_open_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    path.write_bytes(b"this is not a database, it was overwritten" * 100)
    with pytest.raises(StoreDamaged) as damaged:
        SqliteDefinitionStore(path)
    assert damaged.value.code == "store_unavailable" and str(path) in damaged.value.message


def test_a_store_deleted_under_the_server_refuses_deploys_and_readiness(tmp_path: Path) -> None:
    store = SqliteDefinitionStore(tmp_path / "store.db")
    put(store, text())
    store.check()
    for leftover in tmp_path.glob("store.db*"):
        leftover.unlink()
    with pytest.raises(StoreDamaged):
        store.check()
    with pytest.raises(StoreDamaged):
        put(store, text("other"))
    store.close()


def test_each_version_records_where_its_content_came_from(store: SqliteDefinitionStore) -> None:
    store.put(compile_text(text()), text(), "application/yaml", origin="file")
    assert store.get("flow", "1.0").origin == "file"
    changed = text(greeting="api")
    store.put(compile_text(changed), changed, "application/yaml", replace=True)
    assert store.get("flow", "1.0").origin == "api"


def test_a_store_from_before_origins_opens_and_counts_as_api(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    ir = compile_text(text())
    db.execute("INSERT INTO definitions (id, version, content_hash, media_type, source, ir, ir_version, created_at,"
               " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               ("flow", "1.0", ir.content_hash, "application/yaml", text(), ir_to_json(ir), IR_VERSION,
                "2025-01-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"))  # fmt: skip
    db.commit()
    db.close()
    store = SqliteDefinitionStore(path)
    assert store.get("flow").origin == "api"
    store.close()


OLD_SCHEMA = """
CREATE TABLE definitions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, version TEXT NOT NULL, content_hash TEXT NOT NULL,
    media_type TEXT NOT NULL, source TEXT NOT NULL, ir TEXT NOT NULL, ir_version INTEGER NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE (id, version)
);
"""
