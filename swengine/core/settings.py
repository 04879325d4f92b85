"""Every setting of swengine, read from the environment into one frozen value: the one home of every variable.

Pure (it reads only the mapping it is given), so any layer may use it; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from swengine.core.errors import SwengineError
from swengine.core.ir import DEFAULT_TASK_QUEUE

DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_TEMPORAL_PORT = 7233
DEFAULT_TEMPORAL_ADDRESS = f"127.0.0.1:{DEFAULT_TEMPORAL_PORT}"
"""Where ``worker`` and ``api`` look for Temporal when ``TEMPORAL_ADDRESS`` is unset."""
DEFAULT_PAYLOAD_LIMIT = 1_500_000
DEFAULT_SERVER = "http://127.0.0.1:8080"
DEFAULT_BODY_TIMEOUT = 30.0
"""Seconds a client may take to send a whole request body: a stalled upload cannot hold a connection."""
DEFAULT_MAX_BATCH = 100
"""Events one ``/events`` request may carry: each is routed in turn, so a batch is a bounded amount of work."""
TRUE_WORDS = ("1", "true", "yes")
SECRET_PREFIX = "SWENGINE_SECRET_"
"""``SWENGINE_SECRET_<NAME>``: the value of secret ``name`` (upper case, other characters than letters and
digits as ``_``)."""
DEFAULT_PROCESS_TIMEOUT = 60.0
DEFAULT_PROCESS_MEMORY = 512 * 1024 * 1024
DEFAULT_PROCESS_OUTPUT = 1024 * 1024


class SettingError(SwengineError, ValueError):
    """A variable holds something swengine cannot use: the command refuses to start, naming it."""

    code = "invalid_setting"


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def _tokens(env: Mapping[str, str]) -> tuple[str, ...]:
    """Set but holding no token (``","``, spaces) is refused: it must never turn authentication off."""
    raw = env.get("SWENGINE_TOKENS")
    tokens = _csv(raw)
    if raw and not tokens:
        raise SettingError(f"SWENGINE_TOKENS is set but holds no token ({raw!r}); unset it to disable auth")
    return tokens


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value < float("inf"):
        raise SettingError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def parse_bytes(text: str) -> int:
    """``536870912``, ``512M``, ``512MiB``, ``1G``..."""
    match = re.fullmatch(r"\s*(\d+)\s*([kmg]?)(?:i?b)?\s*", text, re.IGNORECASE)
    if match is None:
        raise ValueError(f"{text!r} is not a size in bytes (such as 536870912 or 512M)")
    return int(match.group(1)) * 1024 ** " kmg".index(match.group(2).lower() or " ")


def _bytes(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    try:
        return parse_bytes(raw) if raw else None
    except ValueError as error:
        raise SettingError(f"{name}: {error}") from None


def secret_variable(name: str) -> str:
    """The variable holding secret ``name``: ``my-token`` is ``SWENGINE_SECRET_MY_TOKEN``."""
    return SECRET_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def payload_limit_from_env(env: Mapping[str, str] | None = None) -> int:
    """``SWENGINE_PAYLOAD_LIMIT`` alone: read at import by ``core.limits``, which must not fail on the
    other variables (a bad one is reported by the command that reads them all)."""
    return _int(os.environ if env is None else env, "SWENGINE_PAYLOAD_LIMIT", DEFAULT_PAYLOAD_LIMIT)


def expression_limits_from_env(env: Mapping[str, str] | None = None) -> tuple[float | None, int | None]:
    """``SWENGINE_EXPR_TIMEOUT`` and ``SWENGINE_EXPR_MEMORY`` alone: read at import by ``expressions``, for the
    same reason as ``payload_limit_from_env``."""
    env = os.environ if env is None else env
    return _float(env, "SWENGINE_EXPR_TIMEOUT"), _bytes(env, "SWENGINE_EXPR_MEMORY")


@dataclass(frozen=True, kw_only=True)
class Settings:
    """How the server reaches Temporal and its store, and what the API accepts."""

    temporal_address: str | None = None
    """``TEMPORAL_ADDRESS``: an external Temporal (host:port); unset, ``serve`` embeds a dev server."""
    temporal_namespace: str = "default"
    """``TEMPORAL_NAMESPACE``."""
    temporal_port: int = DEFAULT_TEMPORAL_PORT
    """``SWENGINE_TEMPORAL_PORT``: port of the embedded dev server (fixed, so a restart finds it again)."""
    task_queue: str = DEFAULT_TASK_QUEUE
    """``SWENGINE_TASK_QUEUE``."""
    data_dir: Path = Path(".swengine")
    """``SWENGINE_DATA_DIR``: the embedded Temporal's SQLite file and the definition store live here."""
    store_url: str | None = None
    """``SWENGINE_STORE_URL`` (``sqlite:///path/store.db`` or ``postgresql://...``, the store replicas share);
    unset, ``sqlite:///<data_dir>/store.db``."""
    tokens: tuple[str, ...] = ()
    """``SWENGINE_TOKENS``: accepted bearer tokens; empty means no authentication."""
    max_body: int = DEFAULT_MAX_BODY
    """``SWENGINE_MAX_BODY``: largest accepted request body in bytes."""
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    """``SWENGINE_BODY_TIMEOUT``: seconds a client may take to send a request body (then 408)."""
    max_batch: int = DEFAULT_MAX_BATCH
    """``SWENGINE_MAX_BATCH``: most CloudEvents in one batch request (more: 413)."""
    activities: tuple[str, ...] = ()
    """``SWENGINE_ACTIVITIES``: importable modules whose activities the worker registers."""
    host: str = "127.0.0.1"
    """``SWENGINE_HOST``: where the API listens."""
    port: int = 8080
    """``SWENGINE_PORT``."""
    payload_limit: int = DEFAULT_PAYLOAD_LIMIT
    """``SWENGINE_PAYLOAD_LIMIT``: largest state data, activity result or start input, in bytes."""
    expression_timeout: float | None = None
    """``SWENGINE_EXPR_TIMEOUT``: seconds one jq evaluation may take (unset: the evaluator's default)."""
    expression_memory: int | None = None
    """``SWENGINE_EXPR_MEMORY``: memory of an evaluator process (``512M``; unset: the evaluator's default)."""
    rest_base: str | None = None
    """``SWENGINE_REST_BASE``: the base URL of relative SonataFlow ``rest:`` operations."""
    rest_allow: tuple[str, ...] = ()
    """``SWENGINE_REST_ALLOW``: origins ``rest`` functions may call (``host``: default port; ``host:port``)."""
    grpc_clients: tuple[str, ...] = ()
    """``SWENGINE_GRPC_CLIENTS``: where the services of 0.8 ``rpc`` functions listen, ``Service=host:port``
    each (SonataFlow's ``quarkus.grpc.clients.<Service>.host`` and ``.port``); each must be allowed too."""
    event_sink: str | None = None
    """``K_SINK``: where produced CloudEvents are POSTed (Knative's name for it)."""
    lifecycle_events: bool = False
    """``SWENGINE_LIFECYCLE_EVENTS``: instances started from now on publish the 1.0 lifecycle CloudEvents
    (workflow and task started, completed, faulted ...) to ``K_SINK``, for either DSL."""
    sandbox: bool = False
    """``SWENGINE_SANDBOX``: run the interpreter in Temporal's workflow sandbox."""
    server: str = DEFAULT_SERVER
    """``SWENGINE_SERVER``: the running ``serve`` that remote commands (``deploy``, ``send-event``) talk to."""
    token: str | None = None
    """``SWENGINE_TOKEN``: the bearer token remote commands send."""
    dialect: str = "standard"
    """``SWENGINE_DIALECT``: the 0.8 dialect of ``serve``'s specs and of definitions submitted without one
    (``standard`` or ``sonataflow``)."""
    metrics_address: str | None = None
    """``SWENGINE_METRICS_ADDRESS`` (host:port): where a worker serves the Temporal SDK's Prometheus metrics."""
    log_format: str = "text"
    """``SWENGINE_LOG_FORMAT``: ``text`` or ``json`` (one object per line)."""
    tracing: bool = False
    """``SWENGINE_TRACING``: OpenTelemetry spans for starts, workflows and activities (needs ``[tracing]``)."""
    secrets_dir: Path | None = None
    """``SWENGINE_SECRETS_DIR``: one file (or, as Kubernetes mounts them, one folder of files) per secret."""
    secret_values: Mapping[str, str] = field(default_factory=dict, repr=False)
    """``SWENGINE_SECRET_<NAME>`` variables, by variable name (never printed: ``repr=False``)."""
    mcp_commands: tuple[str, ...] = ()
    """``SWENGINE_MCP_COMMANDS``: the command lines a ``call: mcp`` stdio transport may start, each a command and
    its arguments exactly as written (``npx -y @scope/server /data``): listing an interpreter alone would let a
    document run any code through its arguments."""
    processes: bool = False
    """``SWENGINE_PROCESSES``: whether 1.0 ``run.shell`` and ``run.script`` tasks may run (off by default)."""
    process_timeout: float = DEFAULT_PROCESS_TIMEOUT
    """``SWENGINE_PROCESS_TIMEOUT``: seconds a shell command or script may run before it is killed."""
    process_memory: int = DEFAULT_PROCESS_MEMORY
    """``SWENGINE_PROCESS_MEMORY``: address space of a shell command or script (``512M``)."""
    process_output: int = DEFAULT_PROCESS_OUTPUT
    """``SWENGINE_PROCESS_OUTPUT``: bytes of stdout (and of stderr) kept; the process is killed past them."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            temporal_address=env.get("TEMPORAL_ADDRESS") or None,
            temporal_namespace=env.get("TEMPORAL_NAMESPACE") or "default",
            temporal_port=_int(env, "SWENGINE_TEMPORAL_PORT", DEFAULT_TEMPORAL_PORT),
            task_queue=env.get("SWENGINE_TASK_QUEUE") or DEFAULT_TASK_QUEUE,
            data_dir=Path(env.get("SWENGINE_DATA_DIR") or ".swengine"),
            store_url=env.get("SWENGINE_STORE_URL") or None,
            tokens=_tokens(env),
            max_body=_int(env, "SWENGINE_MAX_BODY", DEFAULT_MAX_BODY),
            body_timeout=_float(env, "SWENGINE_BODY_TIMEOUT") or DEFAULT_BODY_TIMEOUT,
            max_batch=_int(env, "SWENGINE_MAX_BATCH", DEFAULT_MAX_BATCH),
            activities=_csv(env.get("SWENGINE_ACTIVITIES")),
            host=env.get("SWENGINE_HOST") or "127.0.0.1",
            port=_int(env, "SWENGINE_PORT", 8080),
            payload_limit=payload_limit_from_env(env),
            expression_timeout=expression_limits_from_env(env)[0],
            expression_memory=expression_limits_from_env(env)[1],
            rest_base=env.get("SWENGINE_REST_BASE") or None,
            rest_allow=_csv(env.get("SWENGINE_REST_ALLOW")),
            grpc_clients=_csv(env.get("SWENGINE_GRPC_CLIENTS")),
            event_sink=env.get("K_SINK") or None,
            lifecycle_events=(env.get("SWENGINE_LIFECYCLE_EVENTS") or "").lower() in TRUE_WORDS,
            sandbox=(env.get("SWENGINE_SANDBOX") or "").lower() in TRUE_WORDS,
            server=env.get("SWENGINE_SERVER") or DEFAULT_SERVER,
            token=env.get("SWENGINE_TOKEN") or None,
            dialect=env.get("SWENGINE_DIALECT") or "standard",
            metrics_address=env.get("SWENGINE_METRICS_ADDRESS") or None,
            log_format=env.get("SWENGINE_LOG_FORMAT") or "text",
            tracing=(env.get("SWENGINE_TRACING") or "").lower() in TRUE_WORDS,
            secrets_dir=Path(env["SWENGINE_SECRETS_DIR"]) if env.get("SWENGINE_SECRETS_DIR") else None,
            secret_values={key: value for key, value in env.items() if key.startswith(SECRET_PREFIX)},
            mcp_commands=_csv(env.get("SWENGINE_MCP_COMMANDS")),
            processes=(env.get("SWENGINE_PROCESSES") or "").lower() in TRUE_WORDS,
            process_timeout=_float(env, "SWENGINE_PROCESS_TIMEOUT") or DEFAULT_PROCESS_TIMEOUT,
            process_memory=_bytes(env, "SWENGINE_PROCESS_MEMORY") or DEFAULT_PROCESS_MEMORY,
            process_output=_bytes(env, "SWENGINE_PROCESS_OUTPUT") or DEFAULT_PROCESS_OUTPUT,
        )

    def grpc_client(self, service: str) -> str | None:
        """``host:port`` of a gRPC service (by the name its functions give it) in ``SWENGINE_GRPC_CLIENTS``."""
        for entry in self.grpc_clients:
            name, _, target = entry.partition("=")
            if name.strip() == service and target.strip():
                return target.strip()
        return None

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the command-line options that were given (``None`` means not given)."""
        return replace(self, **{name: value for name, value in changes.items() if value is not None})

    @property
    def store_location(self) -> str:
        return self.store_url or f"sqlite:///{self.data_dir / 'store.db'}"

    @property
    def temporal_database(self) -> Path:
        return self.data_dir / "temporal.db"
