"""REopt.jl reference cases (../shared/reference/reopt_cases/): every assertion about bills.

A scenario without technologies is billed by the tariff engine alone (REopt buys the whole load
from the grid), so the year-one energy, demand and fixed costs must equal REopt's. Every assertion,
the life-cycle ones included, is also checked through the MILP core (test_milp_reference_cases.py).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from omf_der import Calendar
from omf_der.tariff import Tariff, bill
from omf_der.tariff.reopt import year_one_outputs

from reopt_assertions import CASES, check, variants

TECHS = ("PV", "ElectricStorage", "Generator", "Wind", "CHP")
# ElectricLoad.* assertions only restate the scenario's own load: not checked here
BILL_PATHS = ("ElectricTariff.", "ElectricUtility.annual_energy_supplied_kwh")


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


@pytest.mark.parametrize("case, variant, assertion", list(variants()))
def test_reopt_bill_assertion(case, variant, assertion):
    target = assertion.get("path") or assertion.get("expr", "")
    needs = set(variant.get("needs", [])) | set(assertion.get("needs", []))
    if "financial" in needs and "Financial." in target:
        pytest.skip("life-cycle costs: checked through the MILP core")
    if not any(p in target for p in BILL_PATHS):
        pytest.skip("not a bill assertion")
    scenario = json.loads((CASES / case / variant["scenario"]).read_text())
    check(grid_only_results(scenario), assertion)
