"""CloudEvents in: validation, the three HTTP modes, dedupe keys, correlation and start ids."""

from __future__ import annotations

import base64
import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cloudevents.core.bindings.http import to_binary, to_structured
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from swengine import cli
from swengine.core.errors import EventError
from swengine.core.ir import Correlation, EventDef
from swengine.core.matching import correlation_values, dedupe_key, matches
from swengine.runtime.cloudevents import is_correlated_start_id, parse_event, parse_http, start_instance_id

BASE = {"specversion": "1.0", "id": "A-1", "source": "/orders", "type": "order.created"}


def event(**changes):
    merged = {**BASE, **changes}
    return {name: value for name, value in merged.items() if value is not ...}


def refused(obj) -> str:
    with pytest.raises(EventError) as caught:
        parse_event(obj)
    return caught.value.message


# --- parse_event ---------------------------------------------------------------------------------------


def test_a_valid_event_comes_back_as_an_equal_copy():
    original = event(time="2020-01-05T17:31:00Z", subject="s", data={"n": 1}, patientid="PID-1")
    parsed = parse_event(original)
    assert parsed == original
    assert parsed is not original


@pytest.mark.parametrize("name", ["specversion", "id", "source", "type"])
def test_each_required_attribute_is_named_when_missing(name):
    assert f"'{name}'" in refused(event(**{name: ...}))


def test_a_missing_id_is_refused_never_generated():
    message = refused(event(id=...))
    assert "never generated" in message


@pytest.mark.parametrize("name", ["id", "source", "type"])
def test_required_strings_must_be_non_empty_strings(name):
    assert f"'{name}'" in refused(event(**{name: ""}))
    assert f"'{name}'" in refused(event(**{name: 7}))


def test_only_specversion_1_0_is_accepted():
    assert "specversion" in refused(event(specversion="0.3"))


@pytest.mark.parametrize(
    "value",
    ["2020-01-05T17:31:00.123456789+01:00", "2020-01-05t17:31:00z", "2020-12-31T23:59:59-05:30"],
)
def test_rfc3339_times_are_accepted(value):
    assert parse_event(event(time=value))["time"] == value


@pytest.mark.parametrize(
    "value",
    ["2020-01-05 17:31:00Z", "2020-01-05T17:31:00", "2020-13-01T00:00:00Z", "2021-02-29T00:00:00Z", 1700],
)
def test_malformed_times_are_refused(value):
    assert "'time'" in refused(event(time=value))


def test_datacontenttype_must_be_a_media_type():
    assert parse_event(event(datacontenttype="application/json; charset=utf-8"))
    assert "datacontenttype" in refused(event(datacontenttype="json"))


def test_extension_names_must_be_lowercase_alphanumerics_of_at_most_20():
    assert "use 'patientid'" in refused(event(patientId="PID-1"))
    assert "patient_id" in refused(event(patient_id="PID-1"))
    assert "a" * 21 in refused(event(**{"a" * 21: "x"}))
    assert parse_event(event(**{"a" * 20: "x"}))


@pytest.mark.parametrize("value", [{"nested": 1}, [1], 1.5, 2**31])
def test_extension_values_must_be_strings_booleans_or_int32(value):
    assert "extension attribute 'level'" in refused(event(level=value))


def test_extension_values_of_each_allowed_kind_pass():
    assert parse_event(event(flag=True, count=-5, label="x"))["count"] == -5


def test_null_optional_attributes_count_as_absent():
    assert "subject" not in parse_event(event(subject=None))


def test_data_base64_with_a_json_content_type_becomes_data():
    encoded = base64.b64encode(json.dumps({"total": 3}).encode()).decode()
    parsed = parse_event(event(datacontenttype="application/json", data_base64=encoded))
    assert parsed["data"] == {"total": 3}
    assert "data_base64" not in parsed


def test_data_base64_of_other_content_stays_encoded():
    encoded = base64.b64encode(b"\x00\x01").decode()
    parsed = parse_event(event(datacontenttype="application/octet-stream", data_base64=encoded))
    assert parsed["data_base64"] == encoded
    assert "data" not in parsed


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"data_base64": "not base64!"}, "base64"),
        ({"data_base64": base64.b64encode(b"{oops").decode()}, "does not decode to JSON"),
        ({"data": 1, "data_base64": "AA=="}, "both"),
        ({"data": {1, 2}}, "must be JSON"),
        ({"data": float("nan")}, "must be JSON"),
    ],
)
def test_bad_data_is_refused(changes, words):
    assert words in refused(event(**changes))


def test_a_non_object_is_refused():
    assert "JSON object" in refused([BASE])


# --- HTTP modes ----------------------------------------------------------------------------------------


def test_structured_mode_reads_the_body_as_one_event():
    body = json.dumps(event(data={"a": 1})).encode()
    [parsed] = parse_http({"Content-Type": "application/cloudevents+json; charset=utf-8"}, body)
    assert parsed["data"] == {"a": 1}


def test_structured_mode_refuses_a_body_that_is_not_json():
    with pytest.raises(EventError, match="not valid JSON"):
        parse_http({"content-type": "application/cloudevents+json"}, b"{nope")


def test_batch_mode_keeps_the_order_of_its_events():
    body = json.dumps([event(id="1"), event(id="2"), event(id="3")]).encode()
    parsed = parse_http({"content-type": "application/cloudevents-batch+json"}, body)
    assert [e["id"] for e in parsed] == ["1", "2", "3"]


def test_an_empty_batch_is_no_events():
    assert parse_http({"content-type": "application/cloudevents-batch+json"}, b"[]") == []


def test_a_batch_names_the_position_of_a_bad_event():
    body = json.dumps([event(id="1"), event(id=...)]).encode()
    with pytest.raises(EventError, match=r"batch event \[1\].*'id'"):
        parse_http({"content-type": "application/cloudevents-batch+json"}, body)


def test_a_batch_must_be_an_array():
    with pytest.raises(EventError, match="JSON array"):
        parse_http({"content-type": "application/cloudevents-batch+json"}, json.dumps(BASE).encode())


def binary_headers(**extra: str) -> dict[str, str]:
    return {
        "ce-specversion": "1.0",
        "ce-id": "A-1",
        "ce-source": "/orders",
        "ce-type": "order.created",
        **extra,
    }


def test_binary_mode_takes_attributes_from_headers_and_json_data_from_the_body():
    headers = binary_headers(**{"Content-Type": "application/json", "ce-patientid": "PID%2012"})
    [parsed] = parse_http(headers, b'{"amount": 5}')
    assert parsed == {
        **BASE,
        "datacontenttype": "application/json",
        "patientid": "PID 12",
        "data": {"amount": 5},
    }


def test_binary_mode_with_text_content_gives_a_string():
    [parsed] = parse_http(binary_headers(**{"content-type": "text/plain"}), "héllo".encode())
    assert parsed["data"] == "héllo"


def test_binary_mode_keeps_undecodable_bytes_as_base64():
    [parsed] = parse_http(binary_headers(**{"content-type": "application/octet-stream"}), b"\xff\xfe")
    assert base64.b64decode(parsed["data_base64"]) == b"\xff\xfe"


def test_binary_mode_refuses_a_body_declared_json_that_is_not():
    with pytest.raises(EventError, match="not valid JSON"):
        parse_http(binary_headers(**{"content-type": "application/json"}), b"plain words")


def test_binary_mode_without_a_body_has_no_data():
    [parsed] = parse_http(binary_headers(), b"")
    assert parsed == BASE


def test_binary_mode_still_requires_an_id():
    headers = binary_headers()
    del headers["ce-id"]
    with pytest.raises(EventError, match="'id'"):
        parse_http(headers, b"")


def test_binary_mode_refuses_data_in_a_header():
    with pytest.raises(EventError, match="ce-data"):
        parse_http(binary_headers(**{"ce-data": "x"}), b"")


def test_a_request_in_no_cloudevents_mode_is_refused():
    with pytest.raises(EventError, match="not a CloudEvent"):
        parse_http({"content-type": "application/json"}, json.dumps(BASE).encode())


def test_other_cloudevents_formats_are_refused_by_name():
    with pytest.raises(EventError, match="unsupported CloudEvents format 'application/cloudevents\\+avro'"):
        parse_http({"content-type": "application/cloudevents+avro"}, b"")


def sdk_event() -> CloudEvent:
    time = datetime.fromisoformat("2021-03-05T17:31:00+00:00")
    attributes = {**BASE, "time": time, "orderid": "O-1", "datacontenttype": "application/json"}
    return CloudEvent(attributes, {"items": [1, 2]})


@pytest.mark.parametrize("encode", [to_binary, to_structured])
def test_events_encoded_by_the_cloudevents_sdk_parse_the_same(encode):
    message = encode(sdk_event(), JSONFormat())
    [parsed] = parse_http(message.headers, message.body)
    assert parsed["id"] == "A-1" and parsed["orderid"] == "O-1"
    assert parsed["data"] == {"items": [1, 2]}
    assert parsed["time"].startswith("2021-03-05T17:31:00")


# --- keys ----------------------------------------------------------------------------------------------


def test_dedupe_key_is_source_and_id_only():
    assert dedupe_key(event(data=1)) == dedupe_key(event(data=2, type="other"))
    assert dedupe_key(event()) != dedupe_key(event(source="/elsewhere"))
    assert dedupe_key(event()) != dedupe_key(event(id="A-2"))


PATIENT = EventDef(
    name="Temp",
    type="org.monitor.highBodyTemp",
    source="monitoringSource",
    correlation=[Correlation(context_attribute_name="patientId")],
)
URGENT = EventDef(
    name="Urgent",
    type="org.monitor.highBodyTemp",
    correlation=[
        Correlation(context_attribute_name="patientId"),
        Correlation(context_attribute_name="department", context_attribute_value="UrgentCare"),
    ],
)


def vitals(**changes):
    return event(**{"type": "org.monitor.highBodyTemp", "source": "monitoringSource", **changes})


def test_a_camelcase_correlation_name_finds_the_lowercase_cloudevents_attribute():
    assert correlation_values(vitals(patientid="PID-1"), PATIENT) == {"patientId": "PID-1"}


def test_correlation_fails_when_an_attribute_is_missing_or_has_another_fixed_value():
    assert correlation_values(vitals(), PATIENT) is None
    assert correlation_values(vitals(patientid="P", department="Cardio"), URGENT) is None
    assert correlation_values(vitals(patientid="P", department="UrgentCare"), URGENT) == {
        "patientId": "P",
        "department": "UrgentCare",
    }


def test_matching_needs_type_source_and_correlation():
    assert matches(vitals(patientid="P"), PATIENT)
    assert not matches(vitals(patientid="P", type="other"), PATIENT)
    assert not matches(vitals(patientid="P", source="elsewhere"), PATIENT)
    assert not matches(vitals(), PATIENT)


def test_correlated_events_share_one_start_id_whatever_their_own_ids():
    first = start_instance_id("vitals", vitals(id="1", patientid="PID-1"), PATIENT)
    again = start_instance_id("vitals", vitals(id="2", patientid="PID-1"), PATIENT)
    other = start_instance_id("vitals", vitals(id="1", patientid="PID-2"), PATIENT)
    assert first == again == "vitals/patientId=PID-1"
    assert other != first
    assert start_instance_id("other-definition", vitals(id="1", patientid="PID-1"), PATIENT) != first


def test_without_correlation_the_start_id_is_the_events_source_and_id():
    plain = EventDef(name="Greet", type="order.created", source="/orders")
    assert start_instance_id("greet", event(data=1), plain) == start_instance_id(
        "greet", event(data=2), plain
    )
    assert start_instance_id("greet", event(), plain) != start_instance_id("greet", event(id="A-2"), plain)
    assert start_instance_id("greet", event(), plain).startswith("greet/event-")


def test_start_ids_quote_odd_values_and_stay_bounded():
    odd = start_instance_id("vitals", vitals(patientid="a/b&c=d"), PATIENT)
    assert odd == "vitals/patientId=a%2Fb%26c%3Dd"
    long = start_instance_id("vitals", vitals(patientid="x" * 5000), PATIENT)
    assert len(long) < 100 and long.startswith("vitals/correlation-")
    assert long == start_instance_id("vitals", vitals(id="9", patientid="x" * 5000), PATIENT)


def test_a_start_id_needs_the_correlation_attributes():
    with pytest.raises(EventError, match="correlation"):
        start_instance_id("vitals", vitals(), PATIENT)


def test_correlated_start_ids_are_recognised_by_shape():
    for made in (
        start_instance_id("vitals", vitals(patientid="a/b&c=d"), PATIENT),
        start_instance_id("vitals", vitals(patientid="x" * 5000), PATIENT),
    ):
        assert is_correlated_start_id("vitals", made)
        assert not is_correlated_start_id("vital", made)
    plain = EventDef(name="Greet", type="order.created", source="/orders")
    assert not is_correlated_start_id("vitals", start_instance_id("vitals", event(), plain))
    assert not is_correlated_start_id("vitals", "vitals-8c6f0a2e")  # a plain start
    assert not is_correlated_start_id(
        "vitals", "vitals/patientId=P/vitals/1"
    )  # a child of an event-started one


# --- swengine send-event -------------------------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    """A stand-in for ``POST /events`` of a deployment: remembers the request, answers like the API."""

    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        body = self.rfile.read(int(self.headers["content-length"]))
        Recorder.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
        answer = json.dumps({"delivered": ["waiting-1"], "started": ["started-1"]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def deployment():
    Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_send_event_posts_a_structured_event_with_the_token_and_prints_who_got_it(
    deployment, monkeypatch, capsys
):
    monkeypatch.setenv("SWENGINE_TOKEN", "s3cret")
    argv = ["send-event", "--server", deployment, "--type", "order.created", "--source", "/orders",
            "--id", "A-1", "--data", '{"total": 3}', "--attr", "orderid=O-1"]  # fmt: skip
    assert cli.main(argv) == 0
    [request] = Recorder.requests
    assert request["path"] == "/events"
    assert request["headers"]["content-type"] == "application/cloudevents+json"
    assert request["headers"]["authorization"] == "Bearer s3cret"
    assert request["body"] == {
        **BASE,
        "orderid": "O-1",
        "datacontenttype": "application/json",
        "data": {"total": 3},
    }
    assert capsys.readouterr().out.split() == ["started", "started-1", "delivered", "waiting-1"]


def test_send_event_reads_a_whole_event_from_a_file(deployment, tmp_path, monkeypatch):
    monkeypatch.delenv("SWENGINE_TOKEN", raising=False)
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event(data={"n": 1})))
    assert cli.main(["send-event", "--server", deployment, str(path)]) == 0
    [request] = Recorder.requests
    assert request["body"] == event(data={"n": 1}) and "authorization" not in request["headers"]


def test_send_event_refuses_an_invalid_event_before_sending(deployment, capsys):
    assert cli.main(["send-event", "--server", deployment, json.dumps(event(id=...))]) == 1
    assert "'id'" in capsys.readouterr().err
    assert Recorder.requests == []


def test_send_event_generates_an_id_only_for_an_event_built_from_options(deployment, capsys):
    assert cli.main(["send-event", "--server", deployment, "--type", "t", "--source", "/s"]) == 0
    [request] = Recorder.requests
    assert request["body"]["id"] in capsys.readouterr().err
    assert cli.main(["send-event", "--server", deployment, "--type", "t"]) == 2
