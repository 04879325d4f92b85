"""The deployment files: every Kubernetes document validates against the Kubernetes schemas (strict: an
unknown field is an error), the probes point at routes the API serves, and the compose file has the shape
OPERATIONS.md describes (two API replicas behind a proxy over a Postgres store, two workers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from swengine.api.app import create_app
from swengine.core.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBERNETES_VERSION = "1.30.0"


def manifests() -> list[dict[str, Any]]:
    documents = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        documents += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return documents


@pytest.mark.parametrize("document", manifests(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_manifest_is_valid_kubernetes(document: dict[str, Any]) -> None:
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_a_broken_manifest() -> None:
    deployment = next(d for d in manifests() if d["kind"] == "Deployment")
    broken = {**deployment, "spec": {**deployment["spec"], "replicas": "two", "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_api_probes_and_config_name_what_swengine_serves_and_reads() -> None:
    documents = manifests()
    [api] = [d for d in documents if d["kind"] == "Deployment" and d["metadata"]["name"] == "swengine-api"]
    container = api["spec"]["template"]["spec"]["containers"][0]
    routes = set(create_app(Settings()).openapi()["paths"])
    probes = [container["livenessProbe"]["httpGet"]["path"], container["readinessProbe"]["httpGet"]["path"]]
    assert probes == ["/healthz", "/readyz"] and set(probes) <= routes
    assert api["spec"]["replicas"] >= 2
    config = next(d for d in documents if d["kind"] == "ConfigMap")["data"]
    secret = next(d for d in documents if d["kind"] == "Secret")["stringData"]
    settings = Settings.from_env({**config, **secret})
    assert settings.store_location.startswith("postgresql://") and settings.temporal_address


def test_compose_runs_two_apis_behind_a_proxy_over_one_store_and_two_workers() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    apis = [name for name, service in services.items() if service.get("command") == ["api"]]
    assert len(apis) == 2
    urls = {services[name]["environment"]["SWENGINE_STORE_URL"] for name in apis}
    assert len(urls) == 1 and urls.pop().startswith("postgresql://")
    proxy = compose["configs"]["proxy"]["content"]
    assert all(f"server {name}:8080" in proxy for name in apis)
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["worker"]["environment"]["K_SINK"].startswith("http://proxy:")
