"""DSL 1.0 twins of the benchmark documents: the same work and the same output, written as tasks.

``overhead.py --dsl10`` and ``transforms.py --dsl10`` measure these against the same hand-written workflows.
"""

from __future__ import annotations

HEAD = "document: {{dsl: '1.0.3', namespace: bench, name: {name}, version: '1.0.0'}}"
TRANSFORM_FUNCTIONS = [
    ("subtotal", "[.order.items[] | .price * .qty] | add"),
    ("count", ".count + 1"),
    ("label", '"order-" + .order.customer.name + "-" + (.count | tostring)'),
]
"""(key set, jq) of the three expression steps, as the 0.8 document's expression functions."""


def sequence_document_10(k: int) -> str:
    """``k`` ``bench.work`` activity calls in sequence, each result kept at ``step<i>`` (sequence_document's twin)."""
    lines = [HEAD.format(name=f"bench-sequence-{k}"), "do:"]
    for step in range(k):
        lines += [
            f"  - work{step}:",
            "      call: activity",
            "      with:",
            "        name: bench.work",
            f"        arguments: {{step: {step}, value: '${{ .value }}'}}",
            f"      output: {{as: '$input + {{step{step}: .}}'}}",
        ]
    return "\n".join(lines) + "\n"


LOOP_10 = f"""\
{HEAD.format(name="bench-loop")}
do:
  - bump:
      set: '${{ . + {{count: (.count + 1)}} }}'
  - check:
      switch:
        - done: {{when: '.count >= .target', then: end}}
        - again: {{then: bump}}
"""
"""The ``loops`` document's twin: bump ``.count`` and check it against ``.target``, two tasks a turn."""


def transforms_document_10(states: int = 20) -> str:
    """set and switch tasks in the pattern of transforms_document (inject, expression function, switch)."""
    lines = [HEAD.format(name="bench-transforms"), "do:"]
    for index in range(states):
        kind = index % 3
        lines.append(f"  - s{index}:")
        if kind == 0:
            lines.append(f"      set: '${{ . * {{stage: {index}, flags: {{s{index}: true}}}} }}'")
        elif kind == 1:
            key, program = TRANSFORM_FUNCTIONS[(index // 3) % 3]
            lines.append(f"      set: '${{ . + {{{key}: ({program.replace(chr(39), chr(39) * 2)})}} }}'")
        else:
            lines += [
                "      switch:",
                "        - platinum:",
                "            when: '.count > 1000 or .order.customer.tier == \"platinum\"'",
                "            then: continue",
                "        - other: {then: continue}",
            ]
    return "\n".join(lines) + "\n"
