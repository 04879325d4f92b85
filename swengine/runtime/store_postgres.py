"""The shared definition store on Postgres: what several API replicas deploy to and read from at once.

psycopg 3 through a ``psycopg_pool`` connection pool. The schema is versioned (``MIGRATIONS``); each replica
applies the missing steps at start inside one transaction holding a Postgres advisory lock, so replicas that
start together migrate once and the others wait, then find the work done. A put locks its (id, version) row,
so two replicas deploying the same version at once agree on one outcome under the same rule SQLite follows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from swengine.core.ir import IR_VERSION, WorkflowIR
from swengine.core.ir_codec import ir_to_json
from swengine.runtime.store import (
    COLUMNS,
    NO_VERSION,
    Definitions,
    DefinitionStore,
    IRs,
    Origin,
    PutOutcome,
    RowDecoder,
    StoreDamaged,
    StoredDefinition,
    not_deployed,
    put_outcome,
)

MIGRATION_LOCK = 0x5357_454E_4731
"""The advisory lock key every replica takes while it migrates ("SWENG1")."""
POOL_SIZE = 8
CONNECT_SECONDS = 10.0

MIGRATIONS: tuple[str, ...] = (
    # 1: the table SQLite has, origin included
    """
    CREATE TABLE definitions (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL,
        version TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        media_type TEXT NOT NULL,
        source TEXT NOT NULL,
        ir TEXT NOT NULL,
        ir_version INTEGER NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        origin TEXT NOT NULL DEFAULT 'api',
        UNIQUE (id, version)
    )
    """,
)
"""Schema steps in order; step N is recorded as version N. Append, never edit a step that shipped."""


def migrate(connection: psycopg.Connection) -> list[int]:
    """Apply the steps this database lacks, under the migration lock; the versions applied here."""
    applied: list[int] = []
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute(
            "CREATE TABLE IF NOT EXISTS swengine_migrations"
            " (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        row = connection.execute("SELECT COALESCE(MAX(version), 0) FROM swengine_migrations").fetchone()
        done = row[0] if row else 0
        for version, step in enumerate(MIGRATIONS, start=1):
            if version > done:
                connection.execute(step)
                connection.execute("INSERT INTO swengine_migrations (version) VALUES (%s)", (version,))
                applied.append(version)
    return applied


class PostgresDefinitionStore(DefinitionStore):
    """Definitions in one Postgres database, shared by every replica that opens the same URL."""

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self._url = url
        self._rows = RowDecoder()
        self._pool = ConnectionPool(
            url, min_size=1, max_size=pool_size, open=False, timeout=CONNECT_SECONDS,
            kwargs={"autocommit": True}, name="swengine-store",
        )  # fmt: skip
        try:
            self._pool.open(wait=True, timeout=CONNECT_SECONDS)
            with self._connection() as connection:
                migrate(connection)
        except BaseException:
            self._pool.close()
            raise

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; a database that cannot be reached is a 503, never a 500."""
        try:
            with self._pool.connection() as connection:
                yield connection
        except (psycopg.OperationalError, PoolTimeout) as err:
            raise StoreDamaged(f"the definition store (Postgres) does not answer: {err}") from None

    def put(
        self, ir: WorkflowIR, source: str, media_type: str, *, replace: bool = False, origin: Origin = "api"
    ) -> tuple[PutOutcome, StoredDefinition]:
        version = ir.version or NO_VERSION
        now = datetime.now(UTC)
        ir_text = ir_to_json(ir)
        with self._connection() as connection, connection.transaction():
            inserted = connection.execute(
                f"INSERT INTO definitions ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (id, version) DO NOTHING RETURNING seq",
                (ir.id, version, ir.content_hash, media_type, source, ir_text, IR_VERSION, now, now, origin),
            ).fetchone()
            if inserted is not None:
                outcome: PutOutcome = "created"
            else:
                row = connection.execute(
                    "SELECT content_hash FROM definitions WHERE id = %s AND version = %s FOR UPDATE",
                    (ir.id, version),
                ).fetchone()
                outcome = put_outcome(row[0] if row else None, ir, replace=replace)
                if outcome == "updated":
                    connection.execute(
                        "UPDATE definitions SET content_hash = %s, media_type = %s, source = %s, ir = %s,"
                        " ir_version = %s, updated_at = %s, origin = %s WHERE id = %s AND version = %s",
                        (
                            ir.content_hash,
                            media_type,
                            source,
                            ir_text,
                            IR_VERSION,
                            now,
                            origin,
                            ir.id,
                            version,
                        ),
                    )
            stored = self._select(connection, "WHERE id = %s AND version = %s", (ir.id, version))
        return outcome, stored[0]

    def get(self, definition_id: str, version: str | None = None) -> StoredDefinition:
        with self._connection() as connection:
            if version is None:
                found = self._select(connection, "WHERE id = %s ORDER BY seq DESC LIMIT 1", (definition_id,))
            else:
                found = self._select(connection, "WHERE id = %s AND version = %s", (definition_id, version))
        if not found:
            raise not_deployed(definition_id, version)
        return found[0]

    def list(self, definition_id: str | None = None) -> Definitions:
        with self._connection() as connection:
            if definition_id is None:
                return self._select(connection, "ORDER BY seq", ())
            return self._select(connection, "WHERE id = %s ORDER BY seq", (definition_id,))

    def delete(self, definition_id: str, version: str | None = None) -> int:
        with self._connection() as connection:
            if version is None:
                cursor = connection.execute("DELETE FROM definitions WHERE id = %s", (definition_id,))
            else:
                cursor = connection.execute(
                    "DELETE FROM definitions WHERE id = %s AND version = %s", (definition_id, version)
                )
        if cursor.rowcount == 0:
            raise not_deployed(definition_id, version)
        return cursor.rowcount

    def latest(self) -> IRs:
        with self._connection() as connection:
            rows = connection.execute(
                f"SELECT DISTINCT ON (id) {COLUMNS} FROM definitions ORDER BY id, seq DESC"
            ).fetchall()
        return [self._rows.row(*row).ir for row in rows]

    def check(self) -> None:
        with self._connection() as connection:
            try:
                connection.execute("SELECT 1 FROM definitions LIMIT 1").fetchall()
            except psycopg.Error as err:
                raise StoreDamaged(f"the definition store (Postgres) does not answer: {err}") from None

    def close(self) -> None:
        self._pool.close()

    def _select(
        self, connection: psycopg.Connection, where: str, parameters: tuple[object, ...]
    ) -> Definitions:
        rows = connection.execute(f"SELECT {COLUMNS} FROM definitions {where}", parameters).fetchall()
        return [self._rows.row(*row) for row in rows]
