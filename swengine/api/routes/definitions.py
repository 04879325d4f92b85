"""``/definitions``: deploy (validated and compiled on submit), dry-run validate, list, read, delete."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from swengine.api.deps import ServiceDep, SettingsDep, StoreDep
from swengine.api.media import UnsupportedMediaType
from swengine.api.models import DefinitionDetail, DefinitionList, Deployed, Validation, problem_responses
from swengine.compiler.pipeline import compile_text
from swengine.core import ir_codec
from swengine.core.errors import DocumentError, InputError
from swengine.core.ir import WorkflowIR
from swengine.dsl import dialects
from swengine.runtime.deployment import JSON, YAML, deploy, withdraw
from swengine.runtime.schedules import schedule_view
from swengine.runtime.store import StoredDefinition

router = APIRouter(prefix="/definitions", tags=["definitions"])

YAML_TYPES = {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"}
SNIFFED_TYPES = {"", "text/plain", "application/octet-stream"}

SPEC_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A Serverless Workflow 0.8 document: the raw text with its content type, or a"
        " multipart upload in the field `file`.",
        "content": {
            YAML: {"schema": {"type": "string"}},
            JSON: {"schema": {"type": "object"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@dataclass(frozen=True)
class SubmittedSpec:
    text: str
    media_type: str
    source: str
    """Name used in problem messages: the uploaded file name, or ``request body``."""


def _media_type(declared: str, filename: str | None, text: str) -> str:
    if declared == JSON or declared.endswith("+json"):
        return JSON
    if declared in YAML_TYPES or declared.endswith("+yaml"):
        return YAML
    if declared not in SNIFFED_TYPES:
        raise UnsupportedMediaType(f"a definition is YAML or JSON, not {declared}")
    if filename and filename.lower().endswith(".json"):
        return JSON
    if filename and filename.lower().endswith((".yaml", ".yml")):
        return YAML
    return JSON if text.lstrip().startswith(("{", "[")) else YAML


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"a definition must be UTF-8 text: {err}", code="invalid_encoding") from None


def _bare(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


async def read_spec(request: Request) -> SubmittedSpec:
    """The document from the raw body or from the multipart field ``file``."""
    declared = _bare(request.headers.get("content-type"))
    if declared == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InputError("the multipart upload has no file in the field 'file'", code="missing_file")
        text = _decode(await upload.read())
        media_type = _media_type(_bare(upload.content_type), upload.filename, text)
        return SubmittedSpec(text=text, media_type=media_type, source=upload.filename or "upload")
    text = _decode(await request.body())
    return SubmittedSpec(text=text, media_type=_media_type(declared, None, text), source="request body")


SpecDep = Annotated[SubmittedSpec, Depends(read_spec)]


def read_dialect(
    settings: SettingsDep,
    dialect: Annotated[
        str | None,
        Query(
            description="The 0.8 dialect the document is written in: `standard` or `sonataflow` (SonataFlow's"
            " reading: bare jq arguments, sysout, service: functions ...). Default: the server's"
            " SWENGINE_DIALECT, else standard."
        ),
    ] = None,
) -> str:
    chosen = dialect or settings.dialect
    try:
        return dialects.check_name(chosen)
    except dialects.UnknownDialect as unknown:
        raise InputError(str(unknown), code="unknown_dialect") from None


DialectDep = Annotated[str, Depends(read_dialect)]


async def compile_spec(spec: SubmittedSpec, dialect: str) -> WorkflowIR:
    # validation compiles every jq expression: off the event loop, so other requests keep flowing
    return await run_in_threadpool(partial(compile_text, spec.text, source=spec.source, dialect=dialect))


def summary(stored: StoredDefinition) -> dict[str, Any]:
    return {
        "id": stored.id,
        "version": stored.version,
        "name": stored.ir.name,
        "content_hash": stored.content_hash,
        "media_type": stored.media_type,
        "created_at": stored.created_at,
        "updated_at": stored.updated_at,
        "scheduled": stored.ir.schedule is not None,
        "schedule": schedule_view(stored.ir),
        "dialect": stored.ir.dialect,
        "origin": stored.origin,
    }


def location(stored: StoredDefinition) -> str:
    path = f"/definitions/{quote(stored.id, safe='')}"
    return path + (f"?{urlencode({'version': stored.version})}" if stored.version else "")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Deployed,
    openapi_extra=SPEC_BODY,
    summary="Deploy a definition",
    responses=problem_responses(
        {
            400: "Not UTF-8, or a multipart upload without `file`.",
            409: "This id and version is deployed with other content; pass replace=true.",
            413: "Body over the size limit.",
            415: "Neither YAML nor JSON.",
            422: "Refused: `problems` lists everything wrong, with line and column.",
        },
        ok=(Deployed, "Already deployed (unchanged), or replaced (updated)."),
    ),
)
async def deploy_definition(
    spec: SpecDep,
    store: StoreDep,
    service: ServiceDep,
    response: Response,
    dialect: DialectDep,
    replace: Annotated[
        bool, Query(description="Replace the content of an already deployed version.")
    ] = False,
) -> dict[str, Any]:
    ir = await compile_spec(spec, dialect)
    deployment = await deploy(service, store, ir, spec.text, spec.media_type, replace=replace)
    stored = deployment.stored
    response.status_code = status.HTTP_201_CREATED if deployment.outcome == "created" else status.HTTP_200_OK
    response.headers["Location"] = location(stored)
    return {**summary(stored), "status": deployment.outcome, "schedule_id": deployment.schedule_id}


@router.post(
    "/validate",
    response_model=Validation,
    openapi_extra=SPEC_BODY,
    summary="Validate and compile without deploying: 200 with every problem",
    responses=problem_responses({413: "Body over the size limit.", 415: "Neither YAML nor JSON."}),
)
async def validate_definition(spec: SpecDep, dialect: DialectDep) -> Validation:
    try:
        ir = await compile_spec(spec, dialect)
    except DocumentError as refused:
        return Validation(valid=False, problems=[problem.to_dict() for problem in refused.problems])  # type: ignore[misc]
    return Validation(valid=True, id=ir.id, version=ir.version, content_hash=ir.content_hash, problems=[])


@router.get("", response_model=DefinitionList, summary="List deployed definitions (every version)")
async def list_definitions(
    store: StoreDep, id: Annotated[str | None, Query(description="Only this definition id.")] = None
) -> dict[str, Any]:
    return {"definitions": [summary(stored) for stored in store.list(id)]}


@router.get(
    "/{definition_id:path}",
    response_model=DefinitionDetail,
    summary="A definition: its source and compiled IR",
    responses=problem_responses({404: "Not deployed."}),
)
async def get_definition(
    definition_id: str,
    store: StoreDep,
    version: Annotated[str | None, Query(description="That version; the latest when absent.")] = None,
) -> dict[str, Any]:
    stored = store.get(definition_id, version)
    return {**summary(stored), "source": stored.source, "ir": ir_codec.encode(stored.ir)}


@router.delete(
    "/{definition_id:path}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a definition (one version, or every version); running instances are not affected",
    responses=problem_responses({404: "Not deployed."}),
)
async def delete_definition(
    definition_id: str,
    store: StoreDep,
    service: ServiceDep,
    version: Annotated[str | None, Query(description="Only this version; every version when absent.")] = None,
) -> Response:
    await withdraw(service, store, definition_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
