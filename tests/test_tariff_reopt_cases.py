"""REopt.jl reference cases (../shared/reference/reopt_cases/): every assertion about bills.

A scenario without technologies is billed by the tariff engine alone (REopt buys the whole load
from the grid), so the year-one energy, demand and fixed costs must equal REopt's. Assertions that
need the optimiser or the financial model (e.g. ``Financial.lcc``) wait for the MILP core.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from omf_der import Calendar
from omf_der.tariff import Tariff, bill
from omf_der.tariff.reopt import year_one_outputs

from conftest import SHARED

CASES = SHARED / "reference" / "reopt_cases"
TECHS = ("PV", "ElectricStorage", "Generator", "Wind", "CHP")
# ElectricLoad.* assertions only restate the scenario's own load: not checked here
BILL_PATHS = ("ElectricTariff.", "ElectricUtility.annual_energy_supplied_kwh")


def _variants():
    index = json.loads((CASES / "index.json").read_text())
    for case in index["cases"]:
        expected = json.loads((CASES / case["case"] / "expected.json").read_text())
        for variant in expected["variants"]:
            for i, a in enumerate(variant["assertions"]):
                yield pytest.param(case["case"], variant, a, id=f"{case['case']}-{variant['name']}-{i}")


def grid_only_results(scenario: dict) -> dict:
    """REopt-named results of a scenario with no technologies: the tariff engine's bill."""
    assert not any(scenario.get(t, {}).get("max_kw", 0) or scenario.get(t, {}).get("existing_kw", 0)
                   for t in TECHS), "not a grid-only scenario"
    load = np.asarray(scenario["ElectricLoad"]["loads_kw"], dtype=float)
    sph = scenario.get("Settings", {}).get("time_steps_per_hour", 1)
    cal = Calendar(scenario["ElectricLoad"]["year"], sph)
    b = bill(Tariff.from_reopt(scenario["ElectricTariff"]), load, cal)
    kwh = float(load.sum()) / sph
    return {"ElectricTariff": year_one_outputs(b),
            "ElectricLoad": {"annual_calculated_kwh": kwh, "load_series_kw": load.tolist()},
            "ElectricUtility": {"annual_energy_supplied_kwh": float(b.energy_kwh.sum())}}


def _get(results: dict, path: str):
    value = results
    for key, index in re.findall(r"([^.\[\]]+)((?:\[\d+\])*)", path):
        value = value[key]
        for i in re.findall(r"\[(\d+)\]", index):
            value = value[int(i)]
    return value


def _close(actual: float, expected: float, a: dict) -> bool:
    atol, rtol = a.get("atol", 0.0), a.get("rtol", 1.4901161193847656e-08)
    return abs(actual - expected) <= max(atol, rtol * max(abs(actual), abs(expected)))


@pytest.mark.parametrize("case, variant, assertion", list(_variants()))
def test_reopt_bill_assertion(case, variant, assertion):
    target = assertion.get("path") or assertion.get("expr", "")
    needs = set(variant.get("needs", [])) | set(assertion.get("needs", []))
    if "financial" in needs and "Financial." in target:
        pytest.skip("life-cycle cost needs the MILP core's financial model")
    if not any(p in target for p in BILL_PATHS):
        pytest.skip("not a bill assertion")
    scenario = json.loads((CASES / case / variant["scenario"]).read_text())
    results = grid_only_results(scenario)

    def get(path):
        return _get(results, path)

    actual = get(assertion["path"]) if "path" in assertion else eval(assertion["expr"], {"get": get, "sum": sum, "len": len})  # noqa: S307
    expected = assertion["expected"] if "expected" in assertion else eval(assertion["expected_expr"], {"get": get, "sum": sum, "len": len})  # noqa: S307
    comparison = assertion["comparison"]
    if comparison == "equal":
        assert actual == expected
    elif comparison == "all_approx":
        exp = expected if isinstance(expected, list) else [expected] * len(actual)
        assert all(_close(x, y, assertion) for x, y in zip(actual, exp, strict=True))
    else:
        assert _close(actual, expected, assertion), (target, actual, expected, assertion.get("note"))
