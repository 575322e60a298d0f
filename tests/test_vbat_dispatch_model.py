"""The standalone vbatDispatch model: a fleet of one kind of thermal device on the same engines."""

from __future__ import annotations

import json

import numpy as np
import numpy_financial as npf
import pytest

from omf_der import Inputs, reproduction_inputs, run_model
from omf_der.errors import InputErrors
from omf_der.models import vbatDispatch

FLAT = {"energyratestructure": [[{"rate": 0.10}]], "energyweekdayschedule": [[0] * 24] * 12,
        "energyweekendschedule": [[0] * 24] * 12, "flatdemandstructure": [[{"rate": 10.0}]],
        "flatdemandmonths": [0] * 12}


def _rows(out):
    return {r["key"]: np.array(r["monthly"]) for r in out["monthly_table"]}


@pytest.mark.parametrize("device", ["ac", "hp", "rg", "wh"])
def test_fleet_run_identities(tmp_path, device):
    inputs = {"device_type": device, "n_devices": 2, "unit_cost_usd": 40.0, "unit_upkeep_usd_per_year": 3.0}
    if device == "wh":
        inputs.update(power_kw=4.5, capacitance_kwh_per_c=0.4, resistance_c_per_kw=120.0, setpoint_f=125.0,
                      deadband_f=5.4)
    result = run_model(inputs, tmp_path / device, model="vbatDispatch")
    out = result.outputs
    json.dumps(out, allow_nan=False)
    r = _rows(out)
    np.testing.assert_allclose(r["total_cost_usd"] - r["adjusted_total_cost_usd"],
                               r["energy_savings_usd"] + r["demand_savings_usd"] + r["minimum_charge_savings_usd"],
                               atol=1e-9)
    np.testing.assert_allclose(r["upkeep_cost_usd"], 2 * 3.0 / 12)
    np.testing.assert_allclose(r["net_savings_usd"], r["total_savings_usd"] - r["total_costs_usd"], atol=1e-9)
    cf = out["cash_flow"]
    assert cf["net_usd"][0] == -80.0
    assert cf["net_usd"][1] == pytest.approx(r["net_savings_usd"].sum())
    assert out["summary"]["npv_usd"] == pytest.approx(float(npf.npv(0.01, cf["net_usd"])))
    s = {k: np.array(v) for k, v in out["series"].items()}
    assert np.all(s["power_kw"] <= s["max_power_kw"] + 1e-7) and np.all(s["power_kw"] >= s["min_power_kw"] - 1e-7)
    np.testing.assert_allclose(s["adjusted_kw"], s["demand_kw"] - s["power_kw"], atol=1e-7)
    assert {"Plot_NewDemand.html", "vbatDispatch_results.json", "random_seeds.csv"} <= set(out["files"])
    assert ("water_heater_random_numbers.csv" in out["files"]) == (device == "wh")
    # the bill objective never raises the bill (doing nothing is feasible)
    assert out["summary"]["adjusted_annual_bill_usd"] <= out["summary"]["annual_bill_usd"] + 1e-6


def test_reference_keys_and_codes_are_read():
    inputs = vbatDispatch.parse({"load_type": "4", "number_devices": "3", "unitDeviceCost": "120"})
    assert inputs.device_type == "wh" and inputs.n_devices == 3 and inputs.unit_cost_usd == 120.0
    with pytest.raises(InputErrors) as info:
        vbatDispatch.parse({"device_type": "boiler", "n_devices": 0})
    assert {e.field for e in info.value.errors} == {"device_type", "n_devices"}


def test_monthly_peak_objective_and_reproduction(tmp_path):
    first = run_model({"objective": "monthly_peak", "tariff": FLAT, "n_devices": 1}, tmp_path / "a",
                      model="vbatDispatch")
    again = run_model(reproduction_inputs(first.folder), tmp_path / "b", model="vbatDispatch")
    assert (first.folder / "allOutputData.json").read_bytes() == (again.folder / "allOutputData.json").read_bytes()
    r = _rows(first.outputs)
    # flat demand charge: minimising monthly peaks never raises one
    assert np.all(r["adjusted_peak_kw"] <= r["peak_kw"] + 1e-6)


def test_inputs_schema_is_the_models_own():
    assert set(vbatDispatch.SCHEMA.fields) >= {"device_type", "n_devices", "tariff", "demand_curve_kw"}
    assert "enable_bess" not in vbatDispatch.SCHEMA.fields
    assert Inputs.defaults(vbatDispatch.SCHEMA).n_devices == 1
