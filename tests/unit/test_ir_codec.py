"""The fast IR codec decodes exactly what Temporal's converter would, from full or default-free JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.converter import DataConverter

from swengine.compiler.pipeline import compile_path
from swengine.core import ir_codec
from swengine.core.ir import RunRequest, WorkflowIR

SPECS = sorted((Path(__file__).resolve().parents[2] / "specs").glob("*.sw.yaml"))


def _sdk_json(value: object) -> object:
    payload = DataConverter.default.payload_converter.to_payloads([value])[0]
    return json.loads(payload.data)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_round_trip_and_sdk_form_decode_to_the_same_ir(path: Path):
    ir = compile_path(path)
    request = RunRequest(ir=ir, input={"x": 1}, subflows={"child": ir}, visited=["a"])
    compact = ir_codec.encode(request)
    assert ir_codec.decode_run_request(json.loads(json.dumps(compact))) == request
    assert ir_codec.decode_run_request(_sdk_json(request)) == request
    assert len(json.dumps(compact)) < len(json.dumps(_sdk_json(request)))


def test_unions_are_decoded_by_kind():
    ir = compile_path(next(p for p in SPECS if p.name == "fan-out.sw.yaml"))
    decoded = ir_codec.decode_ir(ir_codec.encode(ir))
    assert [type(s).__name__ for s in decoded.states] == [type(s).__name__ for s in ir.states]
    with pytest.raises(ValueError, match="unknown kind"):
        ir_codec.decoder_for(WorkflowIR)(
            {**ir_codec.encode(ir), "states": [{"kind": "teleport", "name": "x"}]}
        )


def test_decoded_definitions_are_cached_per_distinct_json():
    ir = compile_path(SPECS[0])
    first = ir_codec.decode_ir(ir_codec.encode(ir))
    assert ir_codec.decode_ir(ir_codec.encode(ir)) is first
    changed = {**ir_codec.encode(ir), "name": "another"}
    assert ir_codec.decode_ir(changed) is not first
