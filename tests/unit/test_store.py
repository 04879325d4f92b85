"""The definition store on both backends (SQLite, and a real Postgres the fixture starts): outcomes of put,
versions, IR round trip, persistence, threads, origins; then what each backend adds (SQLite's file checks,
Postgres's replicas and migrations)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from swengine.compiler.pipeline import compile_text
from swengine.core.errors import Conflict, NotFound, SwengineError
from swengine.core.ir import IR_VERSION
from swengine.core.ir_codec import ir_to_json
from swengine.runtime.store import DefinitionStore, SqliteDefinitionStore, StoreDamaged, open_store

SPECS = Path(__file__).resolve().parents[2] / "specs"
Opener = Callable[[], DefinitionStore]


def text(definition_id: str = "flow", version: str | None = "1.0", greeting: str = "hi") -> str:
    version_line = f'version: "{version}"\n' if version else ""
    return (f'id: {definition_id}\n{version_line}specVersion: "0.8"\nstart: S\n'
            f"states:\n  - name: S\n    type: inject\n    data: {{greeting: {greeting}}}\n    end: true\n")  # fmt: skip


def put(store: DefinitionStore, source: str, *, replace: bool = False) -> str:
    return store.put(compile_text(source), source, "application/yaml", replace=replace)[0]


@pytest.fixture(params=["sqlite", "postgres"])
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    """Opens another store over the same location (another replica, or the same server restarted)."""
    url = (
        f"sqlite:///{tmp_path}/store.db"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    opened: list[DefinitionStore] = []

    def open_one() -> DefinitionStore:
        opened.append(open_store(url))
        return opened[-1]

    yield open_one
    for each in opened:
        each.close()


@pytest.fixture
def store(opener: Opener) -> DefinitionStore:
    return opener()


def execute(store: DefinitionStore, sql: str) -> None:
    """Raw SQL on the store's own database (to plant rows another engine version wrote)."""
    if isinstance(store, SqliteDefinitionStore):
        store._db.execute(sql)
    else:
        with store._connection() as connection:  # type: ignore[attr-defined]
            connection.execute(sql)


def test_put_outcomes_and_conflict(store: DefinitionStore) -> None:
    assert put(store, text()) == "created"
    assert put(store, text()) == "unchanged"
    with pytest.raises(Conflict) as conflict:
        put(store, text(greeting="changed"))
    assert conflict.value.code == "definition_version_conflict"
    assert conflict.value.http_status == 409
    assert put(store, text(greeting="changed"), replace=True) == "updated"
    assert "changed" in store.get("flow").source


def test_latest_is_the_newest_deployment_not_the_highest_version(store: DefinitionStore) -> None:
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


def test_documents_without_version(store: DefinitionStore) -> None:
    assert put(store, text(version=None)) == "created"
    stored = store.get("flow")
    assert stored.version is None
    assert store.lookup("flow", None) == stored.ir


def test_ir_round_trips_exactly(store: DefinitionStore, opener: Opener) -> None:
    for path in sorted(SPECS.glob("*.sw.yaml")):
        source = path.read_text()
        ir = compile_text(source, source=str(path))
        store.put(ir, source, "application/yaml")
    fresh = opener()
    for path in sorted(SPECS.glob("*.sw.yaml")):
        ir = compile_text(path.read_text(), source=str(path))
        assert fresh.get(ir.id, ir.version).ir == ir, path


def test_latest_lists_one_ir_per_id(store: DefinitionStore) -> None:
    put(store, text("a", "1.0"))
    put(store, text("a", "2.0"))
    put(store, text("b", "1.0"))
    assert [(ir.id, ir.version) for ir in store.latest()] == [("a", "2.0"), ("b", "1.0")]


def test_delete(store: DefinitionStore) -> None:
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


def test_a_row_from_another_ir_version_is_recompiled(store: DefinitionStore) -> None:
    put(store, text())
    execute(store, "UPDATE definitions SET ir = '{\"garbage\": true}', ir_version = 0")
    store._rows.clear()  # type: ignore[attr-defined]
    assert store.get("flow").ir == compile_text(text(), source="flow")


def test_concurrent_puts_from_threads(store: DefinitionStore) -> None:
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


def test_only_known_url_schemes(tmp_path: Path) -> None:
    with pytest.raises(SwengineError) as refused:
        open_store("mysql://db/swengine")
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


def test_each_version_records_where_its_content_came_from(store: DefinitionStore) -> None:
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


# --- Postgres: several replicas on one database ---


def test_replicas_see_each_others_deploys_and_agree_on_conflicts(postgres_url: str) -> None:
    first, second = open_store(postgres_url), open_store(postgres_url)
    try:
        assert put(first, text()) == "created"
        assert second.get("flow").source == text()
        assert put(second, text()) == "unchanged"
        with pytest.raises(Conflict):
            put(second, text(greeting="other"))
        assert put(second, text(version="2.0")) == "created"
        assert [ir.version for ir in first.latest()] == ["2.0"]
        assert first.delete("flow", "2.0") == 1
        assert second.get("flow").version == "1.0"
    finally:
        first.close()
        second.close()


def test_replicas_racing_one_version_create_it_once(postgres_url: str) -> None:
    """Eight replicas deploy the same version at once, half with other content: one creates it, those with
    the same content see it unchanged, the others a conflict; never two rows, never a lost write."""
    replicas = [open_store(postgres_url) for _ in range(8)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(replicas))

    def deploy(index: int) -> None:
        source = text(greeting="a" if index % 2 else "b")
        barrier.wait()
        try:
            outcomes.append(put(replicas[index], source))
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=deploy, args=(i,)) for i in range(len(replicas))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert outcomes.count("created") == 1
        assert outcomes.count("unchanged") == 3 and outcomes.count("conflict") == 4
        assert len(replicas[0].list()) == 1
    finally:
        for replica in replicas:
            replica.close()


def test_replicas_starting_together_migrate_once(postgres_url: str) -> None:
    import psycopg

    from swengine.runtime.store_postgres import MIGRATIONS

    opened: list[DefinitionStore] = []
    barrier = threading.Barrier(6)

    def start() -> None:
        barrier.wait()
        opened.append(open_store(postgres_url))

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(opened) == 6
        with psycopg.connect(postgres_url) as connection:
            versions = [row[0] for row in connection.execute("SELECT version FROM swengine_migrations")]
        assert versions == list(range(1, len(MIGRATIONS) + 1))
        put(opened[0], text())
        assert all(store.get("flow").version == "1.0" for store in opened)
    finally:
        for store in opened:
            store.close()


def test_a_postgres_that_stops_answering_is_a_503_not_a_crash(postgres_cluster) -> None:
    """The database is dropped under a running store: readiness and deploys fail as 'store unavailable'."""
    import psycopg

    with postgres_cluster.database() as url:
        store = open_store(url)
        put(store, text())
        store.check()
        with psycopg.connect(postgres_cluster.url(), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {url.rsplit('/', 1)[1]} WITH (FORCE)")
        with pytest.raises(StoreDamaged) as damaged:
            store.check()
        assert damaged.value.code == "store_unavailable" and damaged.value.http_status == 503
        with pytest.raises(StoreDamaged):
            put(store, text("other"))
        store.close()
