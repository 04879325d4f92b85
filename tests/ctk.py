"""The 1.0 conformance test kit (CTK), read from ../shared/examples/v10-ctk at test time (never copied).

A small reader of its Gherkin: each scenario's workflow, input and assertion steps (with their doc strings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import SHARED

CTK = SHARED / "examples" / "v10-ctk" / "features"
NETWORK = re.compile(r"petstore\.swagger\.io|httpbin\.org")


@dataclass
class Step:
    text: str
    doc: str | None = None

    def value(self) -> Any:
        return yaml.safe_load(self.doc) if self.doc is not None else None


@dataclass
class Scenario:
    feature: str
    name: str
    steps: list[Step] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.feature}:{self.name}"

    def step(self, prefix: str) -> Step | None:
        return next((step for step in self.steps if step.text.startswith(prefix)), None)

    @property
    def definition(self) -> str:
        found = self.step("Given a workflow with definition")
        assert found and found.doc, self.id
        return found.doc

    @property
    def input(self) -> Any:
        found = self.step("And given the workflow input is")
        return found.value() if found else {}

    @property
    def offline(self) -> bool:
        return NETWORK.search(self.definition) is None


def scenarios() -> list[Scenario]:
    if not CTK.is_dir():
        return []
    found: list[Scenario] = []
    for path in sorted(CTK.glob("*.feature")):
        found += _parse(path)
    return found


def _parse(path: Path) -> list[Scenario]:
    result: list[Scenario] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if line.startswith("Scenario:"):
            result.append(Scenario(path.stem, line.removeprefix("Scenario:").strip()))
        elif line.startswith(('"""', "```")) and result and result[-1].steps:
            fence, indent = line[:3], len(lines[index - 1]) - len(lines[index - 1].lstrip())
            body: list[str] = []
            while not lines[index].strip().startswith(fence):
                body.append(lines[index][indent:])
                index += 1
            index += 1
            result[-1].steps[-1].doc = "\n".join(body) + "\n"
        elif result and re.match(r"(Given|When|Then|And|But)\b", line):
            result[-1].steps.append(Step(line))
    return result
