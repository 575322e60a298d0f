"""The optimiser (:func:`omf_der.milp.run`) against an independent PuLP formulation of the same model.

Three hand-written URDB tariffs, each with a fixed 5 kW / 13.5 kWh battery (and, in one, a 5 kW
diesel generator with a binding fuel limit), on the example residential load of 2018: a full year
and a "week" variant whose load is zero outside July 10-16. The independent model
(:mod:`independent_milp`) is first checked on its own: its energy balance and state of charge, and
its cost against the SAM-validated bill of its own grid purchases.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from independent_milp import annuity, solve_independent
from omf_der.milp import run
from omf_der import Calendar
from omf_der.tariff import Tariff, bill

from conftest import ROOT

YEAR = 2018
LOAD_KW = np.loadtxt(ROOT / "static_data" / "example_load_kw.csv")
ETA = 0.96 * math.sqrt(0.975)          # default charge and discharge efficiency
BATTERY = {"min_kw": 5.0, "max_kw": 5.0, "min_kwh": 13.5, "max_kwh": 13.5,
           "installed_cost_per_kw": 0.0, "installed_cost_per_kwh": 0.0, "installed_cost_constant": 0.0,
           "replace_cost_per_kw": 0.0, "replace_cost_per_kwh": 0.0, "replace_cost_constant": 0.0,
           "macrs_option_years": 0, "total_itc_fraction": 0.0}
GENERATOR = {"existing_kw": 5.0, "max_kw": 0.0, "min_kw": 0.0, "only_runs_during_grid_outage": False,
             "fuel_avail_gal": 50.0, "fuel_cost_per_gallon": 3.8, "electric_efficiency_full_load": 0.30,
             "electric_efficiency_half_load": 0.30, "min_turn_down_fraction": 0.0}


def _schedule(peak_months: range, peak_hours: range) -> list[list[int]]:
    """A 12 x 24 URDB schedule: period 1 in the peak months and hours, else period 0."""
    return [[int(m in peak_months and h in peak_hours) for h in range(24)] for m in range(12)]


ALL_OFF_PEAK = _schedule(range(0), range(0))
TOU_RATE = {  # summer weekday on-peak energy and demand, a fixed monthly charge
    "name": "test TOU energy and demand",
    "energyratestructure": [[{"rate": 0.08, "unit": "kWh"}], [{"rate": 0.25, "unit": "kWh"}]],
    "energyweekdayschedule": _schedule(range(5, 9), range(14, 20)),
    "energyweekendschedule": ALL_OFF_PEAK,
    "demandratestructure": [[{"rate": 0.0, "unit": "kW"}], [{"rate": 12.0, "unit": "kW"}]],
    "demandweekdayschedule": _schedule(range(5, 9), range(14, 20)),
    "demandweekendschedule": ALL_OFF_PEAK,
    "fixedmonthlycharge": 10.0,
}
PEAK_RATE = {  # an expensive weekday peak (14-22 h) all year and a flat monthly demand charge
    "name": "test expensive peak",
    "energyratestructure": [[{"rate": 0.10, "unit": "kWh"}], [{"rate": 0.40, "adj": 0.05, "unit": "kWh"}]],
    "energyweekdayschedule": _schedule(range(12), range(14, 22)),
    "energyweekendschedule": ALL_OFF_PEAK,
    "flatdemandstructure": [[{"rate": 15.0, "unit": "kW"}]],
    "flatdemandmonths": [0] * 12,
    "fixedmonthlycharge": 10.0,
}
TIERED_RATE = {  # a three-block monthly energy rate and a flat demand charge
    "name": "test tiered energy",
    "energyratestructure": [[{"rate": 0.10, "max": 500, "unit": "kWh"},
                             {"rate": 0.14, "max": 1000, "unit": "kWh"},
                             {"rate": 0.20, "unit": "kWh"}]],
    "energyweekdayschedule": ALL_OFF_PEAK,
    "energyweekendschedule": ALL_OFF_PEAK,
    "flatdemandstructure": [[{"rate": 10.0, "unit": "kW"}]],
    "flatdemandmonths": [0] * 12,
}
CASES = {
    "tou_battery": (TOU_RATE, False),
    "peak_battery_generator": (PEAK_RATE, True),
    "tiered_battery": (TIERED_RATE, False),
}
VARIANTS = ("year", "week")


def _load(variant: str) -> np.ndarray:
    """The example load, or (``"week"``) the same with zeros outside July 10-16."""
    if variant == "year":
        return LOAD_KW.copy()
    cal = Calendar(YEAR)
    week = (cal.month == 6) & (cal.day_of_month >= 10) & (cal.day_of_month <= 16)
    return np.where(week, LOAD_KW, 0.0)


def scenario(case: str, variant: str, *, battery: bool = True, soc_incentive: bool = True) -> dict:
    """The REopt-style scenario of a test case."""
    rate, generator = CASES[case]
    out = {"Settings": {"time_steps_per_hour": 1, "add_soc_incentive": soc_incentive},
           "ElectricLoad": {"loads_kw": _load(variant).tolist(), "year": YEAR},
           "ElectricTariff": {"urdb_response": rate},
           "Financial": {}}
    if battery:
        out["ElectricStorage"] = dict(BATTERY)
    if generator:
        out["Generator"] = dict(GENERATOR)
    return out


@functools.cache
def independent(case: str, variant: str, battery: bool = True, soc_incentive: bool = True) -> dict:
    """The independent model's optimum (cached: several tests read the same solution)."""
    return solve_independent(scenario(case, variant, battery=battery, soc_incentive=soc_incentive))


def _pwf(escalation: float) -> float:
    """Present worth factor over the default 25 years at the default 6.24 % discount rate."""
    return annuity(25, escalation, 0.0624)


def _non_bill_cost(case: str, fuel_gal: float) -> float:
    """Generator fuel and O&M of a case, after tax (default financial inputs)."""
    if not CASES[case][1]:
        return 0.0
    fuel_usd = GENERATOR["fuel_cost_per_gallon"] * fuel_gal
    om_usd = 20.0 * GENERATOR["existing_kw"]
    return 0.74 * (_pwf(0.0197) * fuel_usd + _pwf(0.025) * om_usd)


# ----------------------------------------------------------------- the independent model alone
def test_urdb_records_are_accepted():
    for rate, _ in CASES.values():
        assert not Tariff.from_urdb(rate).notes


def test_annuity_matches_closed_form():
    x = 1.0166 / 1.0624
    assert annuity(25, 0.0166, 0.0624) == round(sum(x ** k for k in range(1, 26)), 5)
    assert annuity(10, 0.05, 0.05) == 10.0


def test_zero_rates_cost_only_the_constant_terms():
    rate = {"energyratestructure": [[{"rate": 0.0}]], "energyweekdayschedule": ALL_OFF_PEAK,
            "energyweekendschedule": ALL_OFF_PEAK, "fixedmonthlycharge": 10.0}
    s = scenario("peak_battery_generator", "year", soc_incentive=False)
    s["ElectricTariff"] = {"urdb_response": rate}
    result = solve_independent(s)
    assert result["fuel_gal"] == pytest.approx(0.0, abs=1e-9)
    expected = 0.74 * _pwf(0.0166) * 120.0 + _non_bill_cost("peak_battery_generator", 0.0)
    assert result["objective"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", CASES)
def test_flows_balance_and_state_of_charge_follows(case, variant):
    r = independent(case, variant)
    load = _load(variant)
    gen_to_battery = r["grid_kw"] + r["discharge_kw"] + r["gen_kw"] - r["grid_to_storage_kw"] - load
    assert gen_to_battery.min() >= -1e-6
    assert np.all(gen_to_battery <= r["gen_kw"] + 1e-6)
    assert np.all(r["grid_to_storage_kw"] <= r["grid_kw"] + 1e-6)
    assert np.all(r["discharge_kw"] + r["grid_to_storage_kw"] + gen_to_battery <= 5.0 + 1e-6)
    soc = np.concatenate([[0.5 * 13.5], r["soc_kwh"]])
    change = ETA * (r["grid_to_storage_kw"] + gen_to_battery) - r["discharge_kw"] / ETA
    np.testing.assert_allclose(np.diff(soc), change, atol=1e-6)
    assert r["soc_kwh"].min() >= 0.2 * 13.5 - 1e-6 and r["soc_kwh"].max() <= 13.5 + 1e-6


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", CASES)
def test_cost_is_the_bill_of_the_purchases(case, variant):
    """The tiered energy and demand terms price the optimal purchases as the bill engine does."""
    r = independent(case, variant)
    annual_bill = bill(Tariff.from_urdb(CASES[case][0]), np.maximum(r["grid_kw"], 0.0), Calendar(YEAR))
    incentive = r["soc_kwh"].mean()
    expected = 0.74 * _pwf(0.0166) * float(annual_bill.total_cost.sum()) + _non_bill_cost(case, r["fuel_gal"])
    assert r["objective"] + incentive == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("case", CASES)
def test_battery_never_hurts(case):
    without = independent(case, "year", battery=False, soc_incentive=False)["objective"]
    assert independent(case, "year", soc_incentive=False)["objective"] <= without + 1e-6
    assert independent(case, "year")["objective"] < without


def test_generator_uses_all_its_fuel():
    assert independent("peak_battery_generator", "year")["fuel_gal"] == pytest.approx(50.0, rel=1e-9)
    assert independent("peak_battery_generator", "week")["fuel_gal"] < 50.0


# ----------------------------------------------------------------- the optimiser against it
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", CASES)
def test_optimiser_matches_independent_model(case, variant):
    ours = run(scenario(case, variant))["Solver"]["objective"]
    theirs = independent(case, variant)["objective"]
    assert abs(ours - theirs) <= 1e-6 * max(abs(ours), abs(theirs))
