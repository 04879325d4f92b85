"""Settings from the environment, and the schedule interval parser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from swengine.core.errors import InputError
from swengine.core.settings import Settings
from swengine.runtime.schedules import interval_spec


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.temporal_address is None
    assert settings.data_dir == Path(".swengine")
    assert settings.store_location == "sqlite:///.swengine/store.db"
    assert settings.temporal_database == Path(".swengine/temporal.db")
    assert (settings.max_body, settings.tokens, settings.port, settings.temporal_port) == (
        1048576,
        (),
        8080,
        7233,
    )


def test_from_environment() -> None:
    settings = Settings.from_env({
        "TEMPORAL_ADDRESS": "temporal:7233", "TEMPORAL_NAMESPACE": "prod", "SWENGINE_TASK_QUEUE": "q",
        "SWENGINE_STORE_URL": "sqlite:////var/lib/swengine/store.db", "SWENGINE_DATA_DIR": "/data",
        "SWENGINE_TOKENS": " one, two ,,", "SWENGINE_MAX_BODY": "2048", "SWENGINE_ACTIVITIES": "a.b,c",
        "SWENGINE_HOST": "0.0.0.0", "SWENGINE_PORT": "9000",
    })  # fmt: skip
    assert settings.temporal_address == "temporal:7233" and settings.temporal_namespace == "prod"
    assert settings.store_location == "sqlite:////var/lib/swengine/store.db"
    assert settings.tokens == ("one", "two")
    assert settings.activities == ("a.b", "c")
    assert (settings.max_body, settings.host, settings.port, settings.task_queue) == (
        2048,
        "0.0.0.0",
        9000,
        "q",
    )
    assert settings.with_overrides(port=None, host="127.0.0.1").host == "127.0.0.1"


def test_a_bad_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="SWENGINE_MAX_BODY"):
        Settings.from_env({"SWENGINE_MAX_BODY": "lots"})


def test_schedule_intervals() -> None:
    every, start = interval_spec("R/PT1H")
    assert (every.every, start) == (timedelta(hours=1), None)
    every, start = interval_spec("R5/2024-01-01T00:00:00Z/PT30M")
    assert (every.every, start) == (timedelta(minutes=30), datetime(2024, 1, 1, tzinfo=UTC))
    assert interval_spec("PT2S")[0].every == timedelta(seconds=2)
    with pytest.raises(InputError):
        interval_spec("R/2024-01-01T00:00:00Z")
