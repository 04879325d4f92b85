"""The SonataFlow dialect of 0.8: a loaded document rewritten to the standard 0.8 that means what SonataFlow
(Kogito's serverless workflow runtime, the reference runtime of 0.8) did with it.

Each module owns one family of rules and names the SonataFlow sources it follows. The rewrite keeps paths
where it can, so problems still point at the user's lines; what it adds (a synthetic state, a copied event
definition) is located at the construct that caused it.
"""

from __future__ import annotations

from typing import Any

from swengine.dsl.constructs import Construct
from swengine.dsl.dialects.sonataflow import jq
from swengine.dsl.dialects.sonataflow.actions import rewrite_actions
from swengine.dsl.dialects.sonataflow.events import rewrite_events
from swengine.dsl.dialects.sonataflow.functions import rewrite_functions
from swengine.dsl.dialects.sonataflow.jsonpath import translate_jsonpath, uses_jsonpath
from swengine.dsl.dialects.sonataflow.switch import rewrite_switches
from swengine.dsl.dialects.sonataflow.variables import scan_variables

SPEC_VERSION = "0.8"


def rewrite(data: dict[str, Any]) -> list[Construct]:
    """Rewrite ``data`` in place; every construct found, in document order."""
    constructs = scan_variables(data)
    if "specVersion" not in data:
        data["specVersion"] = SPEC_VERSION
        constructs.append(Construct("missing_spec_version", (), f'specVersion: "{SPEC_VERSION}"'))
    if data.pop("secrets", None) is not None:
        # ServerlessWorkflowParser never reads the list: $SECRET reads configuration properties instead
        constructs.append(
            Construct("ignored_key", ("secrets",), "no 'secrets' (SonataFlow never reads them)")
        )
    reading = jq.JQ
    if uses_jsonpath(data):
        constructs += translate_jsonpath(data)
        reading = jq.WRAPPED
    functions = rewrite_functions(data)
    constructs += functions.constructs
    constructs += rewrite_actions(data, functions, reading)
    constructs += rewrite_events(data)
    constructs += rewrite_switches(data)
    return constructs
