"""Properties every solved dispatch must have, on generated full-year scenarios (hypothesis).

Checked on the returned series (what a user reads), not on the model's internals: energy balance
in every step, state of charge within its bounds and following the storage dynamics, no step
with both charging and discharging, fuel within its allowance, no grid charging where it is not
allowed, the optimiser's bill equal to the bill engine's, and (techs free of cost) a life-cycle
cost, and without a generator a bill, no higher than business as usual.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from omf_der import Calendar
from omf_der.milp import run
from omf_der.resources import static_data_path

YEAR = 2018
LOAD = np.loadtxt(static_data_path("example_load_kw.csv"))
TOL = 1e-6


def _tou_record(off: float, on: float, demand: float, flat: float) -> dict:
    summer = [5, 6, 7, 8]
    wd = [[1 if (m in summer and 14 <= h < 20) else 0 for h in range(24)] for m in range(12)]
    return {"energyratestructure": [[{"rate": off, "unit": "kWh"}], [{"rate": on, "unit": "kWh"}]],
            "energyweekdayschedule": wd, "energyweekendschedule": [[0] * 24] * 12,
            "demandratestructure": [[{"rate": 0.0}], [{"rate": demand}]],
            "demandweekdayschedule": wd, "demandweekendschedule": [[0] * 24] * 12,
            "flatdemandstructure": [[{"rate": flat}]], "flatdemandmonths": [0] * 12,
            "fixedmonthlycharge": 9.0}


SCENARIOS = st.fixed_dictionaries({
    "scale": st.floats(0.3, 3.0),
    "off": st.floats(0.05, 0.15), "on": st.floats(0.15, 0.6),
    "demand": st.floats(0.0, 20.0), "flat": st.floats(0.0, 12.0),
    "kw": st.floats(1.0, 8.0), "hours": st.floats(1.0, 5.0),
    "grid_charge": st.booleans(), "soc_incentive": st.booleans(),
    "generator": st.booleans(), "fuel_gal": st.floats(0.0, 80.0),
    "sph": st.sampled_from([1, 1, 1, 4]),
})


def _scenario(p: dict) -> dict:
    load = LOAD * p["scale"]
    if p["sph"] > 1:
        load = np.repeat(load, p["sph"])
    sc = {"ElectricLoad": {"loads_kw": load.tolist(), "year": YEAR},
          "ElectricTariff": {"urdb_response": _tou_record(p["off"], p["on"], p["demand"], p["flat"])},
          "ElectricStorage": {"min_kw": p["kw"], "max_kw": p["kw"], "min_kwh": p["kw"] * p["hours"],
                              "max_kwh": p["kw"] * p["hours"], "can_grid_charge": p["grid_charge"],
                              "installed_cost_per_kw": 0, "installed_cost_per_kwh": 0,
                              "installed_cost_constant": 0, "macrs_option_years": 0, "total_itc_fraction": 0},
          "Settings": {"add_soc_incentive": p["soc_incentive"], "time_steps_per_hour": p["sph"]}}
    if p["generator"]:
        sc["Generator"] = {"existing_kw": 3.0, "max_kw": 0.0, "only_runs_during_grid_outage": False,
                           "fuel_avail_gal": p["fuel_gal"], "fuel_cost_per_gallon": 3.0, "om_cost_per_kw": 0.0,
                           "electric_efficiency_full_load": 0.3}
    return sc


def check_dispatch(sc: dict, r: dict) -> None:
    """Assert the properties of the module docstring on one scenario's results."""
    load = np.asarray(sc["ElectricLoad"]["loads_kw"])
    dt = 1.0 / sc.get("Settings", {}).get("time_steps_per_hour", 1)
    util, store = r["ElectricUtility"], r["ElectricStorage"]
    grid_to_load = np.asarray(util["electric_to_load_series_kw"])
    grid_to_storage = np.asarray(util["electric_to_storage_series_kw"])
    discharge = np.asarray(store["storage_to_load_series_kw"])
    gen = r.get("Generator", {})
    gen_to_load = np.asarray(gen.get("electric_to_load_series_kw", np.zeros_like(load)))
    gen_to_storage = np.asarray(gen.get("electric_to_storage_series_kw", np.zeros_like(load)))
    # energy balance in every step
    np.testing.assert_allclose(grid_to_load + discharge + gen_to_load, load, atol=TOL)
    assert grid_to_load.min() >= -TOL and gen_to_load.min() >= -TOL and discharge.min() >= -TOL
    # state of charge: bounds and dynamics from E_0 = soc_init x kWh
    b = sc["ElectricStorage"]
    kwh, kw = b["max_kwh"], b["max_kw"]          # fixed sizes (the reported sizes are rounded to 2 decimals)
    soc = np.asarray(store["soc_series_kwh"])
    np.testing.assert_allclose(np.asarray(store["soc_series_fraction"]) * kwh, soc, atol=1e-9)
    assert soc.min() >= 0.2 * kwh - TOL and soc.max() <= kwh + TOL
    eta = 0.96 * 0.975 ** 0.5
    eta_grid = eta if b.get("can_grid_charge", True) else 0.0
    previous = np.r_[0.5 * kwh, soc[:-1]]
    expected = previous + dt * (eta * gen_to_storage + eta_grid * grid_to_storage - discharge / eta)
    np.testing.assert_allclose(soc, expected, atol=1e-6)
    charge = grid_to_storage + gen_to_storage
    assert np.all(charge + discharge <= kw + TOL)
    # never charging and discharging in the same step
    assert np.max(np.minimum(charge, discharge)) <= TOL
    if not b.get("can_grid_charge", True):
        assert np.max(grid_to_storage) <= TOL
    if "Generator" in sc:
        assert gen["annual_fuel_consumption_gal"] <= sc["Generator"]["fuel_avail_gal"] + 0.005
    # the optimiser priced exactly the bill the tariff engine computes
    assert not any("differs from the optimiser" in w for w in r["Messages"]["warnings"])
    # free techs never make the life-cycle cost worse; without a generator (whose fuel a battery may
    # save at the price of a higher bill) they never make the bill worse either
    assert r["Financial"]["npv"] >= -0.01
    t = r["ElectricTariff"]
    if "Generator" not in sc:
        assert t["year_one_bill_before_tax"] <= t["year_one_bill_before_tax_bau"] + 0.01


# each example is a full-year solve (about a second): no shrinking, the failing example is printed
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(SCENARIOS)
def test_dispatch_properties(params):
    sc = _scenario(params)
    r = run(sc)
    assert r["status"] == "optimal"
    check_dispatch(sc, r)


def _dispatch_in_new_process(path: str) -> dict:
    code = ("import json, sys; from omf_der.milp import run; "
            "r = run(json.load(open(sys.argv[1]))); "
            "[r['Solver'].pop(k) for k in ('build_seconds', 'solve_seconds')]; "
            "[r['Solver']['bau'].pop(k) for k in ('build_seconds', 'solve_seconds')]; "
            "print(json.dumps(r))")
    out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True)
    return out.stdout


def test_same_scenario_and_seed_give_identical_results_in_two_processes(tmp_path):
    params = {"scale": 1.4, "off": 0.08, "on": 0.35, "demand": 12.0, "flat": 6.0, "kw": 5.0, "hours": 2.7,
              "grid_charge": True, "soc_incentive": True, "generator": False, "fuel_gal": 20.0, "sph": 1}
    sc = _scenario(params)
    # sized, with a cost constant (a binary: buy the battery or not): a MIP
    sc["ElectricStorage"].update(min_kw=0.0, min_kwh=0.0, installed_cost_per_kw=50.0, installed_cost_per_kwh=80.0,
                                 installed_cost_constant=500.0)
    sc["Settings"]["random_seed"] = 12345
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(sc))
    first, second = _dispatch_in_new_process(str(path)), _dispatch_in_new_process(str(path))
    assert first == second
    results = json.loads(first)
    assert results["Solver"]["random_seed"] == 12345 and results["Solver"]["integer_columns"] > 0
    assert results["ElectricStorage"]["size_kwh"] > 0


def test_calendar_of_load_is_the_scenario_year():
    # a 2020 (leap) scenario keeps Feb 29 and drops Dec 31: 8760 steps either way
    assert Calendar(2020).n_steps == LOAD.size == 8760
