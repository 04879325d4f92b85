"""Generate large, valid workflow definitions for benchmarks: ``python bench/generate.py 1000 > big.yaml``."""

from __future__ import annotations

import sys

FUNCTIONS = {
    "increment": ".count += 1 | .count",
    "double": ".count * 2",
    "label": '"step-" + (.count | tostring)',
}
KINDS = ("inject", "operation", "switch", "sleep")


def _state(index: int, n: int) -> list[str]:
    """The YAML lines of state ``index`` in a chain of ``n``: it leads to the next state, the last one ends."""
    kind = KINDS[index % len(KINDS)]
    name = f"s{index:05d}-{kind}"
    nxt = f"transition: s{index + 1:05d}-{KINDS[(index + 1) % len(KINDS)]}" if index + 1 < n else "end: true"
    lines = [f"  - name: {name}", f"    type: {kind}"]
    if kind == "inject":
        lines += ["    data:", f"      step{index}: {index}", "      tags: [generated, bench]"]
    elif kind == "operation":
        function = list(FUNCTIONS)[index % len(FUNCTIONS)]
        lines += [
            "    actions:",
            f"      - functionRef: {function}",
            "        actionDataFilter:",
            f'          toStateData: "${{ .results{index % 7} }}"',
        ]
    elif kind == "switch":
        lines += [
            "    dataConditions:",
            f'      - condition: "${{ .count > {index} }}"',
            f"        {nxt}",
            "    defaultCondition:",
            f"      {nxt}",
        ]
        return lines
    else:
        lines += [f"    duration: PT{index % 59 + 1}S"]
    lines += ["    stateDataFilter:", f'      output: "${{ . + {{visited: {index}}} }}"', f"    {nxt}"]
    return lines


def generate_document(n: int) -> str:
    """YAML of a valid workflow: a linear chain of ``n`` states cycling inject, operation, switch, sleep."""
    lines = [
        "id: generated",
        "name: Generated chain",
        "version: '1.0'",
        "specVersion: '0.8'",
        f"start: s00000-{KINDS[0]}",
        "functions:",
    ]
    for name, operation in FUNCTIONS.items():
        lines += [f"  - name: {name}", "    type: expression", f"    operation: '{operation}'"]
    lines.append("states:")
    for index in range(n):
        lines += _state(index, n)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(generate_document(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
