"""The derConsumer model end to end: the run folder, the table's identities, a hand-checked toy
home, devices switched off one by one, reproducibility across processes, failures."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest

from omf_der import Inputs, RunFailed, reproduction_inputs, run_model
from omf_der.errors import InputErrors
from omf_der.fuels import FUELS

RAW_FILES = {
    "allInputData.json", "allOutputData.json", "timings.json", "random_seeds.csv", "water_heater_random_numbers.csv",
    "demand_input_derConsumer.csv", "temperature_input_derConsumer.csv",
    "residential_rate_structure_input_derConsumer.json", "reopt_input_scenario.json", "REoptInputs.json",
    "results.json", "plotly.min.js",
    *(f"vbatDispatch_{kind}_{d}.json" for kind in ("inputs", "results") for d in ("ac", "hp", "wh")),
    "Plot_NewDemand.html", "Plot_DerServingLoadOverview.html", "Plot_ThermalDERServingLoadOverview.html",
    "Plot_ThermalBatteryPowerProfile.html", "Plot_BESSStateOfCharge.html", "Plot_CashFlowProjection.html",
    "Plot_SavingsBreakdownPerTechnology.html", "Plot_SavingsBreakdownThermal.html",
}
TIMING_FILES = {"timings.json"}
TECHS = ("wh", "ac", "hp", "bess", "generator")
CLI = [sys.executable, "-m", "omf_der"]


def _strict_json(path: Path):
    """Parse JSON refusing NaN/Infinity (D19: never in an output)."""
    def refuse(token):
        raise AssertionError(f"{path.name} contains {token}")
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def _rows(outputs) -> dict[str, np.ndarray]:
    return {r["key"]: np.array(r["monthly"]) for r in outputs["monthly_table"]}


def _check_identities(out: dict) -> None:
    r = _rows(out)
    for part in ("energy", "demand"):
        cost = "energy_cost_usd" if part == "energy" else "demand_cost_usd"
        np.testing.assert_allclose(r[f"{part}_savings_usd"], r[cost] - r[f"adjusted_{cost}"], atol=1e-9)
    np.testing.assert_allclose(r["minimum_charge_savings_usd"],
                               r["minimum_charge_usd"] - r["adjusted_minimum_charge_usd"], atol=1e-9)
    for prefix in ("", "adjusted_"):
        np.testing.assert_allclose(r[f"{prefix}total_cost_usd"],
                                   r[f"{prefix}energy_cost_usd"] + r[f"{prefix}demand_cost_usd"]
                                   + r[f"{prefix}minimum_charge_usd"] + r["fixed_cost_usd"], atol=1e-9)
    np.testing.assert_allclose(r["total_savings_usd"], r["energy_savings_usd"] + r["demand_savings_usd"]
                               + r["minimum_charge_savings_usd"] + r["subsidies_usd"], atol=1e-9)
    np.testing.assert_allclose(r["total_cost_usd"] - r["adjusted_total_cost_usd"],
                               r["energy_savings_usd"] + r["demand_savings_usd"] + r["minimum_charge_savings_usd"],
                               atol=1e-9)
    np.testing.assert_allclose(r["total_costs_usd"], r["fuel_cost_usd"] + r["upkeep_cost_usd"], atol=1e-12)
    np.testing.assert_allclose(r["net_savings_usd"], r["total_savings_usd"] - r["total_costs_usd"], atol=1e-9)
    # the technologies' parts add up to the table (no part dropped: D10, D11)
    techs = out["technologies"]
    for key, row in (("energy_savings_usd", "energy_savings_usd"), ("demand_savings_usd", "demand_savings_usd"),
                     ("subsidies_usd", "subsidies_usd"), ("fuel_cost_usd", "fuel_cost_usd"),
                     ("net_savings_usd", "net_savings_usd")):
        assert sum(techs[t][key] for t in TECHS) == pytest.approx(r[row].sum(), abs=1e-6), key
        assert sum(techs[t][key] for t in ("wh", "ac", "hp")) == pytest.approx(techs["thermal"][key], abs=1e-9)
    # the cash flow: year 1 = the table's net savings (no escalation by default), NPV by numpy-financial
    cf = out["cash_flow"]
    assert len(cf["net_usd"]) == out["summary"]["projection_years"] + 1
    assert cf["net_usd"][1] == pytest.approx(r["net_savings_usd"].sum(), abs=1e-9)
    rate = out["summary"]["discount_rate_pct"] / 100
    assert out["summary"]["npv_usd"] == pytest.approx(float(npf.npv(rate, cf["net_usd"])), abs=1e-9)
    assert sum(techs[t]["cash_flow"]["npv_usd"] for t in TECHS) == pytest.approx(cf["npv_usd"], abs=1e-6)


# --------------------------------------------------------------------------- the CLI on the defaults
@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("runs") / "default"
    proc = subprocess.run([*CLI, "run", "--out", str(folder)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith(str(folder))
    assert "NPV (25 years at 1 %): $" in proc.stdout and "simple payback:" in proc.stdout
    return folder


def test_default_run_writes_every_file(default_run):
    names = {p.name for p in default_run.iterdir()}
    assert RAW_FILES <= names, RAW_FILES - names
    assert not [p for p in default_run.parent.iterdir() if p.name.startswith(".")], "staging folders left behind"
    out = _strict_json(default_run / "allOutputData.json")
    assert set(out["files"]) == names
    for name in names - {"plotly.min.js"}:
        if name.endswith(".json"):
            _strict_json(default_run / name)
    seeds = (default_run / "random_seeds.csv").read_text().splitlines()
    assert seeds[0] == "technology,seed" and [s.split(",")[0] for s in seeds[1:]] == ["bess_gen", "ac", "hp", "wh"]
    assert out["seeds"] == {k: int(v) for k, v in (s.split(",") for s in seeds[1:])}
    wh = np.loadtxt(default_run / "water_heater_random_numbers.csv", delimiter=",")
    assert wh.shape == (50, 3)
    demand = np.loadtxt(default_run / "demand_input_derConsumer.csv")
    np.testing.assert_array_equal(demand, Inputs.defaults().demand_curve_kw)
    for html in (p for p in default_run.iterdir() if p.suffix == ".html"):
        text = html.read_text()
        assert 'src="plotly.min.js"' in text and not re.search(r"<script[^>]*src=.https?:", text)


def test_default_run_table_and_cash_flow_identities(default_run):
    out = _strict_json(default_run / "allOutputData.json")
    _check_identities(out)
    labels = [r["label"] for r in out["monthly_table"]]
    for label in ("Peak Demand (kW)", "Adjusted Peak Demand (kW)", "Energy (kWh)", "Adjusted Energy (kWh)",
                  "Energy Cost ($)", "Adjusted Energy Cost ($)", "Energy Cost Savings ($)", "Demand Charge ($)",
                  "Adjusted Demand Charge ($)", "Demand Cost Savings ($)", "Fixed Charges ($)",
                  "Total Cost of Service ($)", "Adjusted Total Cost of Service ($)", "Utility Subsidies Paid ($)",
                  "Generator Fuel Cost ($)", "Total Consumer Savings ($)", "Total Consumer Costs ($)",
                  "Net Consumer Savings ($)"):
        assert label in labels
    # the adjusted load is the meter's: demand - thermal - battery to load + grid to battery
    s = {k: np.array(v) for k, v in out["series"].items()}
    np.testing.assert_allclose(s["adjusted_kw"], s["demand_kw"] - s["thermal_power_kw"] - s["bess_to_load_kw"]
                               + s["grid_to_bess_kw"] + s["generator_to_bess_kw"] - s["generator_to_load_kw"],
                               atol=1e-6)
    r = _rows(out)
    month_ends = np.cumsum([744, 672, 744, 720, 744, 720, 744, 744, 720, 744, 720, 744])
    monthly_kwh = np.add.reduceat(s["adjusted_kw"], np.r_[0, month_ends[:-1]])
    np.testing.assert_allclose(r["adjusted_energy_kwh"], monthly_kwh, rtol=1e-9)
    # the battery SOC (member's share) stays within 20-100 %; thermal power within its bounds
    assert s["bess_soc_pct"].min() >= 20 - 1e-6 and s["bess_soc_pct"].max() <= 100 + 1e-6
    for d in ("wh", "ac", "hp"):
        res = _strict_json(default_run / f"vbatDispatch_results_{d}.json")
        p = np.array(res["power_kw"])
        assert np.all(p >= np.array(res["min_power_kw"]) - 1e-7) and np.all(p <= np.array(res["max_power_kw"]) + 1e-7)
    assert out["summary"]["year_one_net_savings_usd"] > 0 and out["summary"]["npv_usd"] > 0


def _decoded_traces(figure: dict) -> dict[str, np.ndarray]:
    import base64

    out = {}
    for trace in figure["data"]:
        y = trace.get("y")
        if isinstance(y, dict):      # plotly's typed-array encoding
            y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"]))
        out[trace["name"]] = np.asarray(y, dtype=float)
    return out


def test_serving_stacks_add_up_to_the_homes_demand(default_run):
    """The stacked 'serving load' areas are the home's demand, split by who serves it (D57)."""
    out = _strict_json(default_run / "allOutputData.json")
    demand = np.array(out["series"]["demand_kw"])
    for name in ("der_serving_load", "thermal_serving_load"):
        fig = out["plots"][name]
        traces = _decoded_traces(fig)
        serving = sum(v for k, v in traces.items()
                      if any(t.get("stackgroup") == "serving" and t["name"] == k for t in fig["data"]))
        np.testing.assert_allclose(serving, demand, atol=1e-6, err_msg=name)


# --------------------------------------------------------------------------- a toy home, by hand
FLAT_RATE = {"name": "toy: 0.10 $/kWh, 10 $/kW flat demand",
             "energyratestructure": [[{"rate": 0.10}]],
             "energyweekdayschedule": [[0] * 24] * 12, "energyweekendschedule": [[0] * 24] * 12,
             "flatdemandstructure": [[{"rate": 10.0}]], "flatdemandmonths": [0] * 12}


def test_one_month_toy_home_by_hand(tmp_path):
    """A home that draws 5 kW in the first hour of the year and nothing else, a battery with the member's
    share 4 kW / 10.8 kWh at 50 % charge. The battery cannot charge before that hour, so it discharges
    what its initial charge allows above the 20 % floor: (0.5 - 0.2) x 10.8 kWh x the discharge
    efficiency 0.96 x sqrt(0.975) (REopt's defaults); recharging later would cost energy for nothing."""
    demand = np.zeros(8760)
    demand[0] = 5.0
    inputs = Inputs.from_dict({
        "demand_curve_kw": demand, "tariff": FLAT_RATE, "year": 2019,
        "enable_ac": False, "enable_hp": False, "enable_wh": False, "enable_generator": False,
        "bess_kw": 5.0, "bess_kwh": 13.5, "utility_bess_portion_pct": 20.0, "bess_retrofit_cost_usd": 100.0,
        "bess_subsidy_upfront_usd": 50.0, "bess_subsidy_monthly_usd": 10.0,
        "bess_replace_cost_usd_per_kw": 100.0, "bess_replace_cost_usd_per_kwh": 50.0, "bess_lifetime_years": 10,
        "inverter_replace_cost_usd": 200.0, "inverter_lifetime_years": 10,
        "projection_years": 25, "discount_rate_pct": 5.0})
    out = run_model(inputs, tmp_path / "toy").outputs
    shaved = (0.5 - 0.2) * 10.8 * 0.96 * math.sqrt(0.975)        # 3.0712 kW in hour 0
    peak = 5.0 - shaved
    r = _rows(out)
    jan = {k: v[0] for k, v in r.items()}
    assert jan["peak_kw"] == pytest.approx(5.0) and jan["adjusted_peak_kw"] == pytest.approx(peak, rel=1e-6)
    assert jan["energy_kwh"] == pytest.approx(5.0) and jan["adjusted_energy_kwh"] == pytest.approx(peak, rel=1e-6)
    assert jan["energy_cost_usd"] == pytest.approx(0.5)
    assert jan["energy_savings_usd"] == pytest.approx(0.1 * shaved, rel=1e-6)
    assert jan["demand_cost_usd"] == pytest.approx(50.0)
    assert jan["adjusted_demand_cost_usd"] == pytest.approx(10.0 * peak, rel=1e-6)
    assert jan["demand_savings_usd"] == pytest.approx(10.0 * shaved, rel=1e-6)
    year_bill_savings = 10.1 * shaved
    assert r["total_savings_usd"].sum() == pytest.approx(year_bill_savings + 120.0, rel=1e-6)
    for m in range(1, 12):       # an empty month: nothing but the subsidy
        assert r["adjusted_total_cost_usd"][m] == pytest.approx(0.0, abs=1e-6)
        assert r["net_savings_usd"][m] == pytest.approx(10.0, abs=1e-6)
    # cash flow: 100 retrofit - 50 subsidy upfront; replacements on the member's 80 %:
    # battery 0.8 x (100 x 5 + 50 x 13.5) = 940 and inverter 0.8 x 200 = 160, in years 10 and 20
    year = year_bill_savings + 120.0
    flows = [-50.0] + [year - (1100.0 if t in (10, 20) else 0.0) for t in range(1, 26)]
    np.testing.assert_allclose(out["cash_flow"]["net_usd"], flows, rtol=1e-6)
    assert out["summary"]["npv_usd"] == pytest.approx(sum(v / 1.05 ** t for t, v in enumerate(flows)), rel=1e-6)
    assert out["summary"]["simple_payback_years"] == pytest.approx(50.0 / year, rel=1e-6)
    assert out["technologies"]["bess"]["upfront_cost_usd"] == 100.0
    _check_identities(out)


# --------------------------------------------------------------------------- devices one by one
@pytest.fixture(scope="module")
def everything_on(tmp_path_factory):
    base = Inputs.defaults().replace(enable_generator=True, use_provided_random_numbers=True)
    folder = tmp_path_factory.mktemp("all")
    return base, run_model(base, folder / "all").outputs


@pytest.mark.parametrize("device", TECHS)
def test_switching_a_device_off_changes_only_it_and_what_follows_it(everything_on, tmp_path, device):
    base, full = everything_on
    flag = {"bess": "enable_bess", "generator": "enable_generator"}.get(device, f"enable_{device}")
    out = run_model(base.replace(**{flag: False}), tmp_path / device).outputs
    _check_identities(out)
    tech = out["technologies"][device]
    assert tech["enabled"] is False
    assert all(v == 0 for k, v in tech.items() if isinstance(v, float)), tech
    # what is dispatched before it is untouched (same seeds): the thermal devices in priority order,
    # then the battery and generator together
    order = ["wh", "ac", "hp", "milp"]
    position = order.index(device) if device in order else order.index("milp")
    for earlier in order[:position]:
        for t in ([earlier] if earlier != "milp" else []):
            assert out["technologies"][t] == full["technologies"][t]
            assert out["series"][f"{t}_power_kw"] == full["series"][f"{t}_power_kw"]
    # its upfront cost and subsidies are gone
    retrofit = {"bess": "bess_retrofit_cost_usd", "generator": "generator_retrofit_cost_usd"}.get(
        device, f"{device}_retrofit_cost_usd")
    assert out["summary"]["upfront_cost_usd"] == pytest.approx(full["summary"]["upfront_cost_usd"] - base[retrofit])
    # its plot traces and raw files are gone
    names = json.dumps(out["plots"]["der_serving_load"]) + json.dumps(out["plots"]["thermal_serving_load"])
    label = {"wh": "water heater", "ac": "air conditioner", "hp": "heat pump", "bess": "BESS",
             "generator": "generator"}[device]
    assert "serving load" in names and f"{label} serving load".lower() not in names.lower()
    if device in ("wh", "ac", "hp"):
        assert f"vbatDispatch_results_{device}.json" not in out["files"]


def test_all_devices_off_gives_zero_and_never(tmp_path):
    inputs = Inputs.defaults().replace(enable_bess=False, enable_generator=False, enable_ac=False,
                                       enable_hp=False, enable_wh=False)
    out = run_model(inputs, tmp_path / "none").outputs
    r = _rows(out)
    for key in ("energy_savings_usd", "demand_savings_usd", "subsidies_usd", "total_savings_usd",
                "total_costs_usd", "net_savings_usd"):
        assert not r[key].any(), key
    assert out["summary"]["npv_usd"] == 0.0 and out["summary"]["simple_payback_years"] is None
    assert out["battery_and_generator"]["ran"] is False
    assert "results.json" not in out["files"]
    _check_identities(out)


# --------------------------------------------------------------------------- generator and fuels
@pytest.mark.parametrize("fuel", ["diesel", "natural_gas"])
def test_generator_fuel_is_consistent_in_the_fuels_own_unit(tmp_path, fuel):
    f = FUELS[fuel]
    # enough fuel for only 50 kWh of electricity: 50 / (efficiency x kWh per unit), in gal or ft3
    eff = f.default_efficiency_pct / 100
    cap_units = 50.0 / (eff * f.hhv_btu_per_unit / 3412.14)
    cheap = 0.01 if fuel == "diesel" else 0.00001               # $/unit: running beats buying
    inputs = Inputs.defaults().replace(enable_generator=True, fuel_type=fuel, fuel_available=cap_units,
                                       fuel_cost_usd_per_unit=cheap, enable_ac=False, enable_hp=False,
                                       enable_wh=False)
    out = run_model(inputs, tmp_path / fuel).outputs
    gen_kwh = np.array(out["series"]["generator_to_load_kw"]).sum() + np.array(out["series"]["generator_to_bess_kw"]).sum()
    assert gen_kwh == pytest.approx(50.0, rel=1e-5)        # the cap binds, in the fuel's own unit
    r = _rows(out)
    assert r["fuel_cost_usd"].sum() == pytest.approx(cap_units * cheap, rel=1e-5)
    assert out["technologies"]["generator"]["fuel_cost_usd"] == pytest.approx(cap_units * cheap, rel=1e-5)
    assert out["battery_and_generator"]["generator_fuel_units"] == pytest.approx(cap_units, abs=0.01)
    _check_identities(out)


# --------------------------------------------------------------------------- reproducibility
def test_rerun_with_the_recorded_seeds_reproduces_every_output_byte_for_byte(default_run, tmp_path):
    again = tmp_path / "again"
    proc = subprocess.run([*CLI, "run", "--quiet", "--reproduce", str(default_run), "--out", str(again)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    first = {p.name: p.read_bytes() for p in default_run.iterdir()}
    second = {p.name: p.read_bytes() for p in again.iterdir()}
    assert first.keys() == second.keys()
    differ = sorted(n for n in first if first[n] != second[n])
    # the inputs differ by "use the provided random numbers" and the seeds written in; timings differ
    assert set(differ) <= {"allInputData.json"} | TIMING_FILES, differ
    recorded = reproduction_inputs(again)
    assert recorded["use_provided_random_numbers"] is True


# --------------------------------------------------------------------------- failures
def test_invalid_inputs_create_no_folder(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"bess_kw": "lots", "projection_years": 0}))
    proc = subprocess.run([*CLI, "run", "--inputs", str(bad), "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "bess_kw" in proc.stderr and "projection_years" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r").exists()
    with pytest.raises(InputErrors):
        run_model({"demand_curve_kw": [1.0] * 10}, tmp_path / "r2")
    assert not (tmp_path / "r2").exists()


def test_a_failed_run_leaves_inputs_and_an_error_not_half_outputs(tmp_path, monkeypatch):
    folder = tmp_path / "run"
    run_model(Inputs.defaults().replace(enable_ac=False, enable_hp=False, enable_wh=False), folder)
    assert (folder / "allOutputData.json").exists()
    # a URDB label with no key and no cache: the tariff step fails
    monkeypatch.delenv("OPENEI_API_KEY", raising=False)
    monkeypatch.setenv("OMF_DER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("OMF_DER_OFFLINE", "1")
    with pytest.raises(RunFailed) as info:
        run_model(Inputs.defaults().replace(use_urdb_label=True), folder)
    assert "urdb_label" in str(info.value)
    assert sorted(p.name for p in folder.iterdir()) == ["allInputData.json", "stderr.txt"]
    assert "urdb_label" in (folder / "stderr.txt").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
