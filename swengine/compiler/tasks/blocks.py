"""1.0 tasks that hold task lists: do, for, fork, try (with its catch and retry policy)."""

from __future__ import annotations

from typing import Any

from swengine.compiler.tasks.common import Scope, duration, expression
from swengine.core import ir_tasks as t


def compile_do(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    return t.DoTask(**base, tasks=compile_list(body["do"], base["pointer"] + "/do"))


def compile_for(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    loop = body["for"]
    return t.ForTask(
        **base,
        each=loop.get("each", "item"),
        collection=expression(loop["in"]) or ".",
        at=loop.get("at", "index"),
        while_=expression(body.get("while")),
        tasks=compile_list(body["do"], base["pointer"] + "/do"),
    )


def compile_fork(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    fork = body["fork"]
    branches = compile_list(fork["branches"], base["pointer"] + "/fork/branches")
    return t.ForkTask(**base, branches=branches, compete=bool(fork.get("compete", False)))


def compile_try(body: dict[str, Any], base: dict[str, Any], scope: Scope, compile_list: Any) -> t.Task:
    catch = body.get("catch") or {}
    retry = catch.get("retry")
    if isinstance(retry, str):
        retry = scope.section("retries")[retry]
    handler = catch.get("do")
    return t.TryTask(
        **base,
        tasks=compile_list(body["try"], base["pointer"] + "/try"),
        catch=t.Catch(
            errors=_error_filter((catch.get("errors") or {}).get("with") or {}),
            variable=catch.get("as", "error"),
            when=expression(catch.get("when")),
            except_when=expression(catch.get("exceptWhen")),
            retry=None if retry is None else compile_retry(retry),
            tasks=None if handler is None else compile_list(handler, base["pointer"] + "/catch/do"),
        ),
    )


def _error_filter(given: dict[str, Any]) -> t.ErrorFilter:
    """The schema spells the detail filter ``details``, the error object ``detail``: both are accepted."""
    fields = {key: value for key, value in given.items() if key != "details"}
    if "details" in given:
        fields.setdefault("detail", given["details"])
    return t.ErrorFilter(**fields)


def compile_retry(retry: dict[str, Any]) -> t.RetryPolicy:
    limit = retry.get("limit") or {}
    attempt = limit.get("attempt") or {}
    jitter = retry.get("jitter") or {}
    backoff = next(iter(retry.get("backoff") or {"constant": {}}))
    return t.RetryPolicy(
        when=expression(retry.get("when")),
        except_when=expression(retry.get("exceptWhen")),
        delay=duration(retry.get("delay")) or "PT0S",
        backoff=backoff,
        attempts=attempt.get("count"),
        attempt_duration=duration(attempt.get("duration")),
        duration=duration(limit.get("duration")),
        jitter_from=duration(jitter.get("from")),
        jitter_to=duration(jitter.get("to")),
    )
