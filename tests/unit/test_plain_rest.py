"""SonataFlow's ``rest:METHOD:URL`` operations: how the one HTTP request is built from the arguments."""

from __future__ import annotations

import pytest
from temporalio.exceptions import ApplicationError

from swengine.activities.plain_rest import build_plain_request, split_operation


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("rest:post:http://h:8080/p", ("post", "http://h:8080/p")),
        ("rest:post:/path", ("post", "/path")),
        ("rest:/path", ("get", "/path")),
        ("rest:GET:/x", ("get", "/x")),
    ],
)
def test_method_and_url(operation, expected):
    assert split_operation(operation) == expected


def test_placeholders_headers_query_and_body():
    arguments = {"id": "a b", "HEADER_x-trace": 7, "QUERY_lang": "en", "note": "hi"}
    request = build_plain_request("rest:put:/orders/{id}", arguments, "http://h/api")
    assert request == {
        "method": "PUT",
        "url": "http://h/api/orders/a%20b",
        "params": {"lang": "en"},
        "headers": {"x-trace": "7"},
        "json": {"note": "hi"},
    }
    assert "json" not in build_plain_request("rest:get:http://h/x", {"a": 1}, None)


def test_a_missing_placeholder_or_base_is_refused():
    with pytest.raises(ApplicationError):
        build_plain_request("rest:get:http://h/{id}", {}, None)
    with pytest.raises(ApplicationError):
        build_plain_request("rest:get:/relative", {}, None)
