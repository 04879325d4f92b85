"""Log lines: an expected failure (a coded error) is its code and message, never a traceback; JSON lines are
one object each."""

from __future__ import annotations

import io
import json
import logging

from temporalio.exceptions import ApplicationError

from swengine.runtime.logs import ExpectedFailures, JsonFormatter


def emit(error: BaseException, formatter: logging.Formatter) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ExpectedFailures())
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"swengine.test.{id(stream)}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        raise error
    except BaseException:
        logger.warning("activity failed", exc_info=True)
    return stream.getvalue()


def test_an_expected_failure_is_one_line_with_its_code() -> None:
    wrapped = RuntimeError("activity task failed")
    wrapped.__cause__ = ApplicationError("card declined", type="card_declined")
    text = emit(wrapped, logging.Formatter("%(levelname)s %(message)s"))
    assert text == "WARNING activity failed: card_declined: card declined\n"
    [line] = emit(ApplicationError("nope", type="out_of_stock"), JsonFormatter()).splitlines()
    entry = json.loads(line)
    assert entry["code"] == "out_of_stock" and entry["level"] == "warning" and "error" not in entry


def test_an_unexpected_failure_keeps_its_traceback_on_one_json_line() -> None:
    [line] = emit(ZeroDivisionError("boom"), JsonFormatter()).splitlines()
    entry = json.loads(line)
    assert "Traceback" in entry["error"] and "ZeroDivisionError" in entry["error"]
    assert "Traceback" in emit(ZeroDivisionError("boom"), logging.Formatter("%(message)s"))
