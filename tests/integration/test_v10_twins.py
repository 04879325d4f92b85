"""The DSL 1.0 twins of the benchmark documents (bench/twins.py) do the same work: same output as 0.8's."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from swengine.compiler.pipeline import compile_text
from tests.integration.conftest import running

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench() -> Iterator[dict[str, ModuleType]]:
    sys.path.insert(0, str(BENCH))
    yield {name: importlib.import_module(name) for name in ("common", "twins", "handwritten")}
    sys.path.remove(str(BENCH))


async def test_the_twins_give_the_same_output_as_the_0_8_documents(client, bench):
    common, twins, handwritten = bench["common"], bench["twins"], bench["handwritten"]
    pairs = [
        (common.transforms_document(), twins.transforms_document_10(), common.TRANSFORMS_INPUT),
        (common.sequence_document(5), twins.sequence_document_10(5), common.SEQUENCE_INPUT),
    ]
    async with running(client, activities=[handwritten.work]) as (service, _):
        for old, new, data in pairs:
            assert await service.run(compile_text(new), data) == await service.run(compile_text(old), data)
