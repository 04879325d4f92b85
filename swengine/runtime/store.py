"""The definition store: every deployed workflow by id and version, with its source and compiled IR.

``DefinitionStore`` is the contract; ``SqliteDefinitionStore`` (stdlib ``sqlite3``, WAL) is the embedded
default and ``PostgresDefinitionStore`` (``store_postgres``) the shared one that several API replicas use at
once. ``open_store`` picks one from the URL scheme. Both keep one table keyed by (id, version) plus a creation
sequence, decide a put by the same rule (``put_outcome``) and read rows through the same decoder.
Running instances never read the store: their IR travels inside the Temporal history.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlparse

from swengine.compiler.pipeline import compile_text
from swengine.core.errors import Conflict, NotFound, SwengineError
from swengine.core.ir import IR_VERSION, WorkflowIR
from swengine.core.ir_codec import ir_from_json, ir_to_json

PutOutcome = Literal["created", "updated", "unchanged"]
Origin = Literal["api", "file"]
"""Where a version's content came from: the API (or a remote ``swengine deploy``), or ``serve``'s specs folder."""


class StoreDamaged(SwengineError):
    """The store file is gone, replaced or not a database: refuse, never answer from a copy that is lost."""

    code = "store_unavailable"
    http_status = 503


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredDefinition:
    """One deployed version of a workflow definition."""

    id: str
    version: str | None
    """The document's ``version``; None when it has none."""
    content_hash: str
    """sha256 of the source text (the same hash the IR carries)."""
    source: str
    """The text as submitted."""
    media_type: str
    """``application/yaml`` or ``application/json``."""
    ir: WorkflowIR
    created_at: datetime
    """When this id and version was first deployed; ``latest`` means the newest of these."""
    updated_at: datetime
    """When its content last changed (a replace)."""
    origin: Origin = "api"
    """Where the current content came from."""


Definitions = list[StoredDefinition]
IRs = list[WorkflowIR]
"""(Aliases: the stores' ``list`` method shadows the builtin inside their class bodies.)"""


class DefinitionStore(ABC):
    """Definitions by id and version. Implementations are thread-safe."""

    @abstractmethod
    def put(
        self, ir: WorkflowIR, source: str, media_type: str, *, replace: bool = False, origin: Origin = "api"
    ) -> tuple[PutOutcome, StoredDefinition]:
        """Deploy; the same id and version with other content is a ``Conflict`` unless ``replace``."""

    @abstractmethod
    def get(self, definition_id: str, version: str | None = None) -> StoredDefinition:
        """That version, or the latest deployed one; ``NotFound`` when absent."""

    @abstractmethod
    def list(self, definition_id: str | None = None) -> Definitions:
        """Every stored version (of one id when given), oldest deployment first."""

    @abstractmethod
    def delete(self, definition_id: str, version: str | None = None) -> int:
        """Remove one version, or every version of the id; ``NotFound`` when nothing matched."""

    @abstractmethod
    def latest(self) -> IRs:
        """The latest version of every definition (what the event router starts)."""

    @abstractmethod
    def check(self) -> None:
        """Raise ``StoreDamaged`` when the store cannot answer, or answers from a file that is gone."""

    @abstractmethod
    def close(self) -> None: ...

    def lookup(self, definition_id: str, version: str | None) -> WorkflowIR | None:
        """``Service.lookup``: the IR of that version (latest when None), or None."""
        try:
            return self.get(definition_id, version).ir
        except NotFound:
            return None


def _open_sqlite(url: str) -> DefinitionStore:
    path = unquote(urlparse(url).path)
    # sqlite:///x.db -> "/x.db" is relative (SQLAlchemy's convention); sqlite:////abs/x.db is absolute
    path = path[1:] if path.startswith("/") else path
    return SqliteDefinitionStore(path or ":memory:")


def _open_postgres(url: str) -> DefinitionStore:
    from swengine.runtime.store_postgres import PostgresDefinitionStore  # the driver loads only when used

    return PostgresDefinitionStore(url)


STORE_OPENERS: dict[str, Callable[[str], DefinitionStore]] = {
    "sqlite": _open_sqlite,
    "postgresql": _open_postgres,
    "postgres": _open_postgres,
}


def open_store(url: str) -> DefinitionStore:
    """The store named by ``url``: ``sqlite:///relative/or/absolute/path.db``, ``sqlite:///:memory:``, or
    ``postgresql://user:password@host:port/database``."""
    opener = STORE_OPENERS.get(urlparse(url).scheme)
    if opener is None:
        raise SwengineError(
            f"unsupported store URL {url!r}: use sqlite:/// or postgresql://", code="unsupported_store"
        )
    return opener(url)


def put_outcome(deployed_hash: str | None, ir: WorkflowIR, *, replace: bool) -> PutOutcome:
    """The one conflict rule: a new (id, version) is created, the same content is unchanged, other content is
    a ``Conflict`` unless ``replace``."""
    if deployed_hash is None:
        return "created"
    if deployed_hash == ir.content_hash:
        return "unchanged"
    if not replace:
        raise Conflict(
            f"definition '{ir.id}' version '{ir.version}' is already deployed with other content;"
            " deploy a new version, or replace it explicitly",
            code="definition_version_conflict",
            detail={"deployed_hash": deployed_hash, "submitted_hash": ir.content_hash},
        )
    return "updated"


def not_deployed(definition_id: str, version: str | None) -> NotFound:
    which = f"'{definition_id}'" + (f" version '{version}'" if version is not None else "")
    return NotFound(f"definition {which} is not deployed", code="definition_not_found")


class RowDecoder:
    """Rows (in ``COLUMNS`` order) to ``StoredDefinition``: IR decoded once per (content hash, IR version)."""

    def __init__(self) -> None:
        self._decoded: dict[tuple[str, int], WorkflowIR] = {}
        """Decoding costs more than the query, and rows never mutate."""

    def row(
        self, id_: str, version: str, content_hash: str, media_type: str, source: str, ir_text: str,
        ir_version: int, created_at: str | datetime, updated_at: str | datetime, origin: Origin,
    ) -> StoredDefinition:  # fmt: skip
        key = (content_hash, ir_version)
        ir = self._decoded.get(key)
        if ir is None:
            # a row written by an engine with another IR layout is recompiled from its source, not misread
            ir = ir_from_json(ir_text) if ir_version == IR_VERSION else _recompile(source, id_, ir_text)
            self._decoded[key] = ir
        return StoredDefinition(
            id=id_,
            version=version or None,
            content_hash=content_hash,
            source=source,
            media_type=media_type,
            ir=ir,
            created_at=_instant(created_at),
            updated_at=_instant(updated_at),
            origin=origin,
        )

    def clear(self) -> None:
        self._decoded.clear()


def _instant(value: str | datetime) -> datetime:
    """SQLite keeps ISO text, Postgres a timestamptz."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS definitions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    version TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    media_type TEXT NOT NULL,
    source TEXT NOT NULL,
    ir TEXT NOT NULL,
    ir_version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin TEXT NOT NULL DEFAULT 'api',
    UNIQUE (id, version)
);
"""
COLUMNS = "id, version, content_hash, media_type, source, ir, ir_version, created_at, updated_at, origin"
NO_VERSION = ""
"""Stored for a document without ``version`` so (id, version) stays a real key (NULLs never collide)."""


def _recompile(source: str, name: str, ir_text: str) -> WorkflowIR:
    """Compile a stored source again, in the dialect it was deployed in (recorded in its IR)."""
    dialect = json.loads(ir_text).get("dialect", "standard")
    return compile_text(source, source=name, dialect=dialect)


class SqliteDefinitionStore(DefinitionStore):
    """One connection guarded by a lock; WAL so readers in other processes never block on a deploy."""

    def __init__(self, path: str | Path) -> None:
        self._path = None if str(path) == ":memory:" else Path(path)
        if self._path is not None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._rows = RowDecoder()
        try:
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            verdict = self._db.execute("PRAGMA quick_check").fetchone()
            if verdict is None or verdict[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {verdict[0] if verdict else 'no answer'}")
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(definitions)")}
            if "origin" not in columns:  # a store written before origins were recorded
                self._db.execute("ALTER TABLE definitions ADD COLUMN origin TEXT NOT NULL DEFAULT 'api'")
        except sqlite3.DatabaseError as err:
            raise StoreDamaged(
                f"the definition store {path} is damaged ({err}): restore it from a backup, or move it"
                " aside to start with an empty store"
            ) from None
        self._identity = self._file_identity()
        """(device, inode) of the file opened: a store deleted or replaced under us no longer matches."""

    def put(
        self, ir: WorkflowIR, source: str, media_type: str, *, replace: bool = False, origin: Origin = "api"
    ) -> tuple[PutOutcome, StoredDefinition]:
        version = ir.version or NO_VERSION
        now = datetime.now(UTC).isoformat()
        with self._lock:
            self._verify()  # a deploy into a deleted file would answer 201 and be lost at the next start
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT content_hash FROM definitions WHERE id = ? AND version = ?", (ir.id, version)
                ).fetchone()
                outcome = put_outcome(row[0] if row else None, ir, replace=replace)
                if outcome == "created":
                    self._db.execute(
                        f"INSERT INTO definitions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (ir.id, version, ir.content_hash, media_type, source, ir_to_json(ir), IR_VERSION,
                         now, now, origin),
                    )  # fmt: skip
                elif outcome == "updated":
                    self._db.execute(
                        "UPDATE definitions SET content_hash = ?, media_type = ?, source = ?, ir = ?,"
                        " ir_version = ?, updated_at = ?, origin = ? WHERE id = ? AND version = ?",
                        (ir.content_hash, media_type, source, ir_to_json(ir), IR_VERSION, now, origin,
                         ir.id, version),
                    )  # fmt: skip
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            stored = self._select("WHERE id = ? AND version = ?", (ir.id, version))
        return outcome, stored[0]

    def get(self, definition_id: str, version: str | None = None) -> StoredDefinition:
        with self._lock:
            if version is None:
                found = self._select("WHERE id = ? ORDER BY seq DESC LIMIT 1", (definition_id,))
            else:
                found = self._select("WHERE id = ? AND version = ?", (definition_id, version))
        if not found:
            raise not_deployed(definition_id, version)
        return found[0]

    def list(self, definition_id: str | None = None) -> Definitions:
        with self._lock:
            if definition_id is None:
                return self._select("ORDER BY seq", ())
            return self._select("WHERE id = ? ORDER BY seq", (definition_id,))

    def delete(self, definition_id: str, version: str | None = None) -> int:
        with self._lock:
            if version is None:
                cursor = self._db.execute("DELETE FROM definitions WHERE id = ?", (definition_id,))
            else:
                cursor = self._db.execute(
                    "DELETE FROM definitions WHERE id = ? AND version = ?", (definition_id, version)
                )
        if cursor.rowcount == 0:
            raise not_deployed(definition_id, version)
        return cursor.rowcount

    def latest(self) -> IRs:
        with self._lock:
            found = self._select(
                "WHERE seq IN (SELECT MAX(seq) FROM definitions GROUP BY id) ORDER BY id", ()
            )
        return [stored.ir for stored in found]

    def check(self) -> None:
        with self._lock:
            self._verify()
            try:
                self._db.execute("SELECT 1 FROM definitions LIMIT 1").fetchall()
            except sqlite3.DatabaseError as err:
                raise StoreDamaged(f"the definition store does not answer: {err}") from None

    def _file_identity(self) -> tuple[int, int] | None:
        if self._path is None:
            return None
        try:
            status = self._path.stat()
        except OSError:
            return (-1, -1)
        return status.st_dev, status.st_ino

    def _verify(self) -> None:
        """The file we write is still the one at the path (the caller holds the lock)."""
        if self._file_identity() != self._identity:
            raise StoreDamaged(
                f"the definition store {self._path} was deleted or replaced while the server ran: restart"
                " it (definitions deployed since the deletion must be deployed again)"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _select(self, where: str, parameters: tuple[object, ...]) -> Definitions:
        """Rows as StoredDefinitions; the caller holds the lock."""
        rows = self._db.execute(f"SELECT {COLUMNS} FROM definitions {where}", parameters).fetchall()
        return [self._rows.row(*row) for row in rows]
