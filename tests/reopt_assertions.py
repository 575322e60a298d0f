"""The REopt.jl reference cases (../shared/reference/reopt_cases/) and their assertion semantics.

See the cases' README: an assertion names a results value by dotted ``path`` (``[i]`` indexes a
list) or a Python ``expr`` over ``get('dotted.path')``, an ``expected`` value or ``expected_expr``,
and a comparison (``approx`` with Julia ``isapprox`` semantics, ``equal``, ``all_approx``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from conftest import SHARED

CASES = SHARED / "reference" / "reopt_cases"
DEFAULT_RTOL = 1.4901161193847656e-08     # sqrt(eps), Julia's isapprox default


def variants() -> Iterator:
    """One pytest param per (case, variant, assertion)."""
    index = json.loads((CASES / "index.json").read_text())
    for case in index["cases"]:
        expected = json.loads((CASES / case["case"] / "expected.json").read_text())
        for variant in expected["variants"]:
            for i, a in enumerate(variant["assertions"]):
                yield pytest.param(case["case"], variant, a, id=f"{case['case']}-{variant['name']}-{i}")


def get_path(results: dict, path: str):
    value = results
    for key, index in re.findall(r"([^.\[\]]+)((?:\[\d+\])*)", path):
        value = value[key]
        for i in re.findall(r"\[(\d+)\]", index):
            value = value[int(i)]
    return value


def close(actual: float, expected: float, a: dict) -> bool:
    atol, rtol = a.get("atol", 0.0), a.get("rtol", DEFAULT_RTOL)
    return abs(actual - expected) <= max(atol, rtol * max(abs(actual), abs(expected)))


def check(results: dict, assertion: dict) -> None:
    """Assert one reference assertion against a results dict."""

    def get(path):
        return get_path(results, path)

    names = {"get": get, "sum": sum, "len": len}
    actual = get(assertion["path"]) if "path" in assertion else eval(assertion["expr"], names)  # noqa: S307
    expected = assertion["expected"] if "expected" in assertion else eval(assertion["expected_expr"], names)  # noqa: S307
    target = assertion.get("path") or assertion.get("expr")
    comparison = assertion["comparison"]
    if comparison == "equal":
        assert actual == expected, (target, actual, expected)
    elif comparison == "all_approx":
        exp = expected if isinstance(expected, list) else [expected] * len(actual)
        assert all(close(x, y, assertion) for x, y in zip(actual, exp, strict=True)), (target, actual, exp)
    else:
        assert close(actual, expected, assertion), (target, actual, expected, assertion.get("note"))
