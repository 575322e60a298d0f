"""MILP core: financial factors, scenario checks and small dispatches computed by hand.

Expected numbers come from REopt.jl's documented values (``reopt_core.md`` §9, §11) or from
hand calculations written out in each test; none is taken from the core's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from omf_der import Calendar
from omf_der.errors import InputErrors
from omf_der.milp import parse_scenario, run
from omf_der.milp.financial import annuity, effective_cost, levelization_factor
from omf_der.milp.scenario import fuel_curve

ETA = 0.96 * math.sqrt(0.975)          # REopt's default charge and discharge efficiency
YEAR = 2019
N = 8760
# one year, no discounting, escalation or tax: present-worth factors are exactly 1, LCC = year-one cost
PLAIN_FINANCIAL = {"analysis_years": 1, "offtaker_discount_rate_fraction": 0.0, "offtaker_tax_rate_fraction": 0.0,
                   "elec_cost_escalation_rate_fraction": 0.0, "om_cost_escalation_rate_fraction": 0.0,
                   "generator_fuel_cost_escalation_rate_fraction": 0.0}
FREE_BATTERY = {"installed_cost_per_kw": 0, "installed_cost_per_kwh": 0, "installed_cost_constant": 0,
                "macrs_option_years": 0, "total_itc_fraction": 0}


def scenario(load, tariff, **blocks) -> dict:
    sc = {"ElectricLoad": {"loads_kw": list(map(float, load)), "year": YEAR}, "ElectricTariff": tariff,
          "Financial": dict(PLAIN_FINANCIAL), "Settings": {"add_soc_incentive": False}}
    sc.update(blocks)
    return sc


def battery(kw, kwh, **extra) -> dict:
    return {"min_kw": kw, "max_kw": kw, "min_kwh": kwh, "max_kwh": kwh, **FREE_BATTERY, **extra}


# ---------------------------------------------------------------------- financial
def test_present_worth_factors_match_reopt_defaults():
    # reopt_core.md §9.1: pwf_e 14.82026, pwf_om 16.21855, pwf_fuel 15.31702 with REopt's defaults
    assert annuity(25, 0.0166, 0.0624) == 14.82026
    assert annuity(25, 0.025, 0.0624) == 16.21855
    assert annuity(25, 0.0197, 0.0624) == 15.31702


def test_annuity_by_hand():
    assert annuity(2, 0.0, 0.1) == round(1 / 1.1 + 1 / 1.21, 5)
    assert annuity(7, 0.03, 0.03) == 7.0


def test_effective_costs_match_reopt_check_values():
    # reopt_core.md §9.3: storage defaults give 493.2937 $/kW, 128.929 $/kWh, 113190.0047 $
    fin = dict(years=25, tax=0.26, discount=0.0624, macrs_years=5, macrs_bonus=1.0, macrs_itc_reduction=0.5, itc=0.3)
    assert effective_cost(968, **fin) == 493.2937
    assert effective_cost(253, **fin) == 128.929
    assert effective_cost(222115, **fin) == 113190.0047


def test_effective_cost_replacement_by_hand():
    # no incentives: installed cost + after-tax replacement discounted from year 10
    value = effective_cost(100.0, years=25, tax=0.2, discount=0.05, replacement_cost=50.0, replacement_year=10)
    assert value == round(100 + 50 * 0.8 / 1.05 ** 10, 4)
    # a replacement in the last year or later is outside the analysis
    assert effective_cost(100.0, years=25, tax=0.2, discount=0.05, replacement_cost=50.0, replacement_year=25) == 100


def test_pv_levelization_factor_matches_reopt_default():
    assert levelization_factor(25, 0.0166, 0.0624, 0.005, 14.82026) == pytest.approx(0.9528685, abs=1e-7)


def test_generator_fuel_curve_default():
    # 1 / (0.322 x 40.7) = 0.07630 gal/kWh, no intercept (reopt_core.md §11.2)
    slope, intercept = fuel_curve({"electric_efficiency_full_load": 0.322, "electric_efficiency_half_load": 0.322})
    assert slope / 40.7 == pytest.approx(0.07630, abs=5e-6)
    assert intercept == pytest.approx(0.0, abs=1e-12)
    # full 0.30 and half 0.25: slope (1/0.3 - 0.5/0.25)/0.5 = 2.6667, intercept 1/0.3 - slope = 0.6667
    slope, intercept = fuel_curve({"electric_efficiency_full_load": 0.30, "electric_efficiency_half_load": 0.25})
    assert slope == pytest.approx(8 / 3) and intercept == pytest.approx(2 / 3)


# ---------------------------------------------------------------------- scenario checks
def _errors(raw) -> dict[str, str]:
    with pytest.raises(InputErrors) as info:
        parse_scenario(raw)
    return {e.field: e.message for e in info.value.errors}


def test_unknown_and_refused_inputs_are_named():
    raw = scenario([1.0] * N, {"blended_annual_energy_rate": 0.1},
                   ElectricStorage={"max_kw": 5, "max_kwh_typo": 3},
                   ElectricUtility={"outage_start_time_step": 10}, Wind={"max_kw": 1})
    errors = _errors(raw)
    assert "ElectricStorage.max_kwh_typo" in errors and "max_kwh" in errors["ElectricStorage.max_kwh_typo"]
    assert "outages are not modelled" in errors["ElectricUtility.outage_start_time_step"]
    assert "Wind" in errors


def test_out_of_range_and_wrong_length_inputs_are_named():
    errors = _errors(scenario([1.0] * 100, {"blended_annual_energy_rate": 0.1}))
    assert "ElectricLoad.loads_kw" in errors and "8760" in errors["ElectricLoad.loads_kw"]
    raw = scenario([1.0] * N, {"blended_annual_energy_rate": 0.1},
                   ElectricStorage={"min_kw": 6, "max_kw": 5, "soc_min_fraction": 1.5})
    errors = _errors(raw)
    assert "ElectricStorage.min_kw" in errors and "ElectricStorage.soc_min_fraction" in errors
    raw = scenario([1.0] * N, {"blended_annual_energy_rate": "cheap"}, Settings={"time_steps_per_hour": 3})
    errors = _errors(raw)
    assert "Settings.time_steps_per_hour" in errors


def test_negative_load_and_bad_tariff_field():
    load = [1.0] * N
    load[5] = -2.0
    errors = _errors(scenario(load, {"blended_annual_energy_rate": 0.1, "remove_tiers": True}))
    assert "step 6" in errors["ElectricLoad.loads_kw"]
    assert "ElectricTariff.remove_tiers" in errors


def test_defaults_follow_reopt():
    sc = parse_scenario(scenario([1.0] * N, {"blended_annual_energy_rate": 0.1}, ElectricStorage={},
                                 Generator={"max_kw": 10}))
    assert sc.storage["charge_efficiency"] == pytest.approx(0.947924, abs=1e-6)
    assert sc.storage["soc_min_fraction"] == 0.2 and sc.storage["soc_init_fraction"] == 0.5
    assert sc.storage["installed_cost_constant"] == 222115
    assert sc.generator["installed_cost_per_kw"] == 650 and sc.generator["only_runs_during_grid_outage"]
    # a battery without power or energy is no battery (REopt)
    assert parse_scenario(scenario([1.0] * N, {"blended_annual_energy_rate": 0.1},
                                   ElectricStorage={"max_kw": 0})).storage is None


# ---------------------------------------------------------------------- dispatch by hand
def _tou_prices(low: float, high: float, hours=(17, 18, 19, 20)) -> np.ndarray:
    hour = Calendar(YEAR).hour
    return np.where(np.isin(hour, hours), high, low)


def test_daily_arbitrage_by_hand():
    """1 kW / 4 kWh battery, 10 kW flat load, 0.30 $/kWh 17-21 h and 0.10 otherwise.

    Every day the battery fills before the peak and empties to 20 % in it (3.2 kWh stored, which
    delivers 3.2 x eta_d kWh within 4 h at <= 1 kW). Day 1 starts at 50 % (2 kWh to buy); after each of
    the first 364 peaks it refills 3.2 kWh (3.2 / eta_c from the grid); after the last one it stays empty.
    """
    prices = _tou_prices(0.10, 0.30)
    load = np.full(N, 10.0)
    r = run(scenario(load, {"tou_energy_rates_per_kwh": prices.tolist()}, ElectricStorage=battery(1.0, 4.0)))
    base = float(load @ prices)
    saved = 365 * 3.2 * ETA * 0.30
    bought = (2.0 + 364 * 3.2) / ETA * 0.10
    assert r["Financial"]["lcc"] == pytest.approx(base - saved + bought, abs=0.01)
    assert r["Financial"]["lcc_bau"] == pytest.approx(base, abs=0.01)
    assert r["Financial"]["npv"] == pytest.approx(saved - bought, abs=0.02)


def test_demand_shaving_by_hand():
    """5 kW flat load with one 10 kW hour each month, 10 $/kW-month, 0.10 $/kWh, 2 kW / 20 kWh battery.

    The battery shaves each spike by its 2 kW (peak 8 kW: 12 x 2 x 10 = 240 $ saved). It ends the
    year at 20 % (4 kWh) having started at 10 kWh: it delivers 6 x eta_d kWh of its initial energy
    plus eta_d x eta_c per kWh charged; it must deliver 24 kWh at the spikes, so it charges
    (24 / eta_d - 6) / eta_c kWh (charging at 5 + 2 = 7 kW never sets a new peak).
    """
    cal = Calendar(YEAR)
    load = np.full(N, 5.0)
    spikes = cal.month_starts[:-1] + 24 * 10 + 12       # noon on the 11th of every month
    load[spikes] = 10.0
    tariff = {"blended_annual_energy_rate": 0.10, "blended_annual_demand_rate": 10.0}
    r = run(scenario(load, tariff, ElectricStorage=battery(2.0, 20.0)))
    charged = (24 / ETA - 6) / ETA
    expected = 0.10 * (load.sum() - 24 + charged) + 12 * 8 * 10
    assert r["Financial"]["lcc"] == pytest.approx(expected, abs=0.01)
    assert max(r["ElectricTariff"]["monthly_demand_cost_series_before_tax"]) == pytest.approx(80.0, abs=1e-6)


def test_declining_block_energy_needs_and_gets_binaries():
    """0.20 $/kWh for the first 100 kWh of a month, 0.10 above: the LP relaxation would put every kWh
    in the cheap block; the exact bill of a 1 kW load is 100 x 0.2 + (kWh - 100) x 0.1 per month."""
    tariff = {"urdb_response": {
        "energyratestructure": [[{"rate": 0.20, "max": 100, "unit": "kWh"}, {"rate": 0.10, "unit": "kWh"}]],
        "energyweekdayschedule": [[0] * 24] * 12, "energyweekendschedule": [[0] * 24] * 12}}
    r = run(scenario(np.ones(N), tariff))
    kwh = Calendar(YEAR).steps_per_month
    expected = float(np.sum(100 * 0.2 + (kwh - 100) * 0.1))
    assert r["Financial"]["lcc"] == pytest.approx(expected, abs=1e-6)
    assert r["Solver"]["integer_columns"] > 0


def test_minimum_charges_by_hand():
    # 1 kW at 0.10 $/kWh: 72-74.4 $ a month, topped up to a 100 $ monthly minimum
    tariff = {"urdb_response": {
        "energyratestructure": [[{"rate": 0.10, "unit": "kWh"}]],
        "energyweekdayschedule": [[0] * 24] * 12, "energyweekendschedule": [[0] * 24] * 12,
        "mincharge": 100, "minchargeunits": "$/month"}}
    r = run(scenario(np.ones(N), tariff))
    assert r["Financial"]["lcc"] == pytest.approx(1200.0, abs=1e-6)
    assert r["ElectricTariff"]["year_one_min_charge_adder_before_tax"] == pytest.approx(1200 - 876, abs=0.01)
    # a battery cannot lower a bill held at its minimum
    r = run(scenario(np.ones(N), tariff, ElectricStorage=battery(1.0, 2.0)))
    assert r["Financial"]["lcc"] == pytest.approx(1200.0, abs=1e-6)
    # an annual minimum of 1000 $ tops the year's 876 $ up (in December, as the bill does)
    tariff["urdb_response"].update(mincharge=1000, minchargeunits="$/year")
    r = run(scenario(np.ones(N), tariff, ElectricStorage=battery(1.0, 2.0)))
    assert r["Financial"]["lcc"] == pytest.approx(1000.0, abs=1e-6)
    assert r["ElectricTariff"]["monthly_energy_cost_series_before_tax"][0] > 70


def test_net_metering_pv_by_hand():
    """Existing 3 kW PV, net metering at a flat 0.12 $/kWh: the bill is 0.12 x (load - PV) kWh.

    Degradation 0 makes REopt's PV levelization factor 1 (up to the 5-decimal present-worth factor).
    """
    cal = Calendar(YEAR)
    daylight = np.clip(np.sin((cal.hour - 6) / 12 * np.pi), 0, None)
    load = np.full(N, 1.0)
    tariff = {"urdb_response": {
        "energyratestructure": [[{"rate": 0.12, "unit": "kWh"}]], "usenetmetering": True,
        "energyweekdayschedule": [[0] * 24] * 12, "energyweekendschedule": [[0] * 24] * 12}}
    pv = {"existing_kw": 3.0, "max_kw": 0.0, "production_factor_series": daylight.tolist(),
          "degradation_fraction": 0.0, "om_cost_per_kw": 0.0}
    sc = scenario(load, tariff, PV=pv)
    sc["ElectricLoad"]["loads_kw_is_net"] = False
    r = run(sc)
    expected = 0.12 * (load.sum() - 3.0 * daylight.sum())
    assert r["ElectricTariff"]["year_one_energy_cost_before_tax"] - r["ElectricTariff"][
        "year_one_export_benefit_before_tax"] == pytest.approx(expected, abs=1.0)
    assert r["Financial"]["lcc"] == pytest.approx(expected, abs=0.006)   # LCC is rounded to cents
    assert sum(r["PV"]["electric_to_grid_series_kw"]) > 0


def test_generator_fuel_limit_binds_and_costs_by_hand():
    """A 5 kW generator at 0.40 $/kWh of fuel (slope 1/(0.3 x 40.7) gal/kWh x 4.884 $/gal) beats a
    0.50 $/kWh on-peak price: it runs until the 50 gal allowance is gone, each gallon displacing
    0.3 x 40.7 = 12.21 kWh of on-peak purchases."""
    prices = _tou_prices(0.10, 0.50)
    load = np.full(N, 4.0)
    gen = {"existing_kw": 5.0, "max_kw": 0.0, "only_runs_during_grid_outage": False, "fuel_avail_gal": 50.0,
           "fuel_cost_per_gallon": 0.40 * 0.3 * 40.7, "electric_efficiency_full_load": 0.3,
           "om_cost_per_kw": 0.0}
    r = run(scenario(load, {"tou_energy_rates_per_kwh": prices.tolist()}, Generator=gen))
    assert r["Generator"]["annual_fuel_consumption_gal"] == pytest.approx(50.0, abs=1e-6)
    kwh = 50 * 0.3 * 40.7
    assert r["Generator"]["annual_energy_produced_kwh"] == round(kwh)
    expected = float(load @ prices) - kwh * (0.50 - 0.40)
    assert r["Financial"]["lcc"] == pytest.approx(expected, abs=0.01)
    # the existing generator is also in the BAU case: no NPV from it
    assert r["Financial"]["npv"] == pytest.approx(0.0, abs=0.01)


def test_generator_only_for_outages_never_runs():
    gen = {"existing_kw": 5.0, "max_kw": 0.0, "om_cost_per_kw": 0.0}
    r = run(scenario(np.full(N, 4.0), {"blended_annual_energy_rate": 0.5}, Generator=gen))
    assert r["Generator"]["annual_energy_produced_kwh"] == 0
    assert any("only_runs_during_grid_outage" in w for w in r["Messages"]["warnings"])


def test_min_turndown_uses_binaries():
    """Generator at 30 % minimum turndown serving a 1 kW load: running means >= 1.5 kW, the surplus
    0.5 kW would have nowhere to go, so it cannot run; with 0 % it would (fuel 0.1 < price 0.5)."""
    gen = {"existing_kw": 5.0, "max_kw": 0.0, "only_runs_during_grid_outage": False,
           "fuel_cost_per_gallon": 0.1 * 0.3 * 40.7, "electric_efficiency_full_load": 0.3, "om_cost_per_kw": 0.0}
    tariff = {"blended_annual_energy_rate": 0.5}
    stuck = run(scenario(np.ones(N), tariff, Generator=dict(gen, min_turn_down_fraction=0.3)))
    free = run(scenario(np.ones(N), tariff, Generator=gen))
    assert stuck["Generator"]["annual_energy_produced_kwh"] == 0 and stuck["Solver"]["integer_columns"] == N
    assert free["Generator"]["annual_energy_produced_kwh"] == N and free["Solver"]["integer_columns"] == 0


def test_battery_sizing_by_hand():
    """Size a battery against a daily 0.10/0.30 $/kWh spread with 1-year economics: one kWh of
    capacity (0.8 kWh usable) earns 365 x 0.8 x (0.30 x eta_d - 0.10 / eta_c) = 53.4 $ a year, less
    than 60 $/kWh, so nothing is bought; at 40 $/kWh the battery grows to max_kwh."""
    prices = _tou_prices(0.10, 0.30)
    load = np.full(N, 10.0)
    tariff = {"tou_energy_rates_per_kwh": prices.tolist()}
    costly = dict(FREE_BATTERY, installed_cost_per_kwh=60.0, max_kw=5.0, max_kwh=8.0,
                  om_cost_fraction_of_installed_cost=0.0)
    assert run(scenario(load, tariff, ElectricStorage=costly))["ElectricStorage"]["size_kwh"] == 0.0
    cheap = dict(costly, installed_cost_per_kwh=40.0)
    r = run(scenario(load, tariff, ElectricStorage=cheap))
    assert r["ElectricStorage"]["size_kwh"] == 8.0
    assert r["Financial"]["initial_capital_costs"] == pytest.approx(320.0)


def test_pv_sizing_all_or_nothing_by_hand():
    """PV at c $/kW (no incentives) under a flat p $/kWh, one year, no exports needed (load 10 kW
    > 5 kW of PV): each kW is worth p x sum(production factor) a year; buy 5 kW iff that beats c."""
    cal = Calendar(YEAR)
    factor = np.clip(np.sin((cal.hour - 6) / 12 * np.pi), 0, None) * 0.8
    yearly_kwh_per_kw = float(factor.sum())
    pv = {"max_kw": 5.0, "production_factor_series": factor.tolist(), "degradation_fraction": 0.0,
          "om_cost_per_kw": 0.0, "federal_itc_fraction": 0.0, "macrs_option_years": 0, "can_net_meter": False,
          "can_wholesale": False}
    price = 0.15
    for cost, size in ((round(price * yearly_kwh_per_kw) + 5, 0.0), (round(price * yearly_kwh_per_kw) - 5, 5.0)):
        r = run(scenario(np.full(N, 10.0), {"blended_annual_energy_rate": price},
                         PV=dict(pv, installed_cost_per_kw=cost)))
        assert r["PV"]["size_kw"] == size
        assert r["Financial"]["lcc"] == pytest.approx(price * (10 * N - size * yearly_kwh_per_kw) + cost * size,
                                                      rel=1e-6)


def test_infeasible_scenario_is_a_clear_error(tmp_path):
    from omf_der.cli import main
    from omf_der.milp import SolveError

    # 5 kW with at least 10 h of storage needs 50 kWh, but at most 10 kWh is allowed
    raw = scenario(np.ones(N), {"blended_annual_energy_rate": 0.1},
                   ElectricStorage=battery(5.0, 10.0, min_kwh=0.0, min_duration_hours=10.0))
    with pytest.raises(SolveError, match="Infeasible"):
        run(raw)
    path = tmp_path / "s.json"
    path.write_text(__import__("json").dumps(raw))
    assert main(["reopt", str(path), "-o", str(tmp_path / "r.json")]) == 2
    assert not (tmp_path / "r.json").exists()


def test_time_limit_is_reported_honestly():
    """A MIP stopped by the time limit returns its best solution flagged as such, or says it has none."""
    from omf_der.milp import SolveError

    gen = {"existing_kw": 5.0, "max_kw": 0.0, "only_runs_during_grid_outage": False, "min_turn_down_fraction": 0.3,
           "fuel_cost_per_gallon": 2.0, "om_cost_per_kw": 0.0}
    raw = scenario(1 + np.abs(np.sin(np.arange(N))) * 4, {"tou_energy_rates_per_kwh": _tou_prices(0.1, 0.6).tolist()},
                   ElectricStorage=battery(3.0, 9.0), Generator=gen, Settings={"timeout_seconds": 0.2})
    try:
        r = run(raw)
    except SolveError as e:
        assert "Time limit" in str(e)
    else:
        assert r["status"] == "timed-out" and r["Solver"]["time_limited"] and not r["Solver"]["optimal"]
        assert any("best feasible solution" in w for w in r["Messages"]["warnings"])


def test_tariff_block_is_required():
    raw = scenario(np.ones(N), {})
    del raw["ElectricTariff"]
    assert "ElectricTariff" in _errors(raw)


def _flat_urdb(structure, weekday=None, **extra) -> dict:
    weekday = weekday or [[0] * 24] * 12
    return {"urdb_response": {"energyratestructure": structure, "energyweekdayschedule": weekday,
                              "energyweekendschedule": weekday, **extra}}


def test_declining_tiers_of_different_depth_by_hand():
    """Jan-Jun: 100 kWh at 0.20 then 0.10; Jul-Dec: 100 at 0.20, 100 at 0.15, then 0.10 (the shorter
    table is padded after its unlimited tier). A 1 kW load: 12 x 20 + 6 x 15 + 0.1 x (8760 - 600 - 1200)."""
    tariff = _flat_urdb([[{"max": 100, "rate": 0.2}, {"rate": 0.1}],
                         [{"max": 100, "rate": 0.2}, {"max": 200, "rate": 0.15}, {"rate": 0.1}]],
                        weekday=[[0] * 24] * 6 + [[1] * 24] * 6)
    r = run(scenario(np.ones(N), tariff))
    assert r["Financial"]["lcc"] == pytest.approx(240 + 90 + 0.1 * (8760 - 600 - 1200), abs=0.01)


def test_net_metering_caps_exports_at_purchases():
    """Net metering pays retail for exports; REopt caps the year's net-metered exports at its purchases,
    so cheap PV is sized to about net zero, not to its 1e9 kW limit."""
    cal = Calendar(YEAR)
    factor = np.clip(np.sin((cal.hour - 6) / 12 * np.pi), 0, None) * 0.8
    pv = {"production_factor_series": factor.tolist(), "installed_cost_per_kw": 300.0, "om_cost_per_kw": 0.0,
          "degradation_fraction": 0.0}
    r = run(scenario(np.ones(N), _flat_urdb([[{"rate": 0.35}]], usenetmetering=True), PV=pv))
    exported = sum(r["PV"]["electric_to_grid_series_kw"])
    bought = r["ElectricUtility"]["annual_energy_supplied_kwh"]
    assert 0 < exported <= bought + 0.005      # the supplied kWh are reported to 2 decimals
    assert r["PV"]["size_kw"] == pytest.approx(N / factor.sum(), rel=1e-3)     # annual net zero


def test_net_metering_with_declining_blocks_and_exports_is_refused():
    cal = Calendar(YEAR)
    pv = {"existing_kw": 2.0, "max_kw": 0.0, "om_cost_per_kw": 0.0,
          "production_factor_series": np.clip(np.sin((cal.hour - 6) / 12 * np.pi), 0, None).tolist()}
    tariff = _flat_urdb([[{"max": 100, "rate": 0.2}, {"rate": 0.1}]], usenetmetering=True)
    with pytest.raises(Exception) as info:
        run(scenario(np.ones(N), tariff, PV=pv))
    assert "declining" in str(info.value) and "ElectricTariff" in str(info.value)


def test_huge_inputs_are_refused_by_name():
    errors = _errors(scenario(np.full(N, 1e300), {"blended_annual_energy_rate": 0.1},
                              ElectricStorage={"max_kwh": 1e20}))
    assert "ElectricStorage.max_kwh" in errors and "ElectricLoad.loads_kw" in errors


def test_replacement_and_lifecycle_outputs_by_hand():
    """10 kW existing + 5 kW bought generator, 100 $/kW replaced in year 10 (25 years, 6.24 %, tax 26 %):
    only the 5 bought kW are replaced: 500 $ in year 10, 500 x 0.74 / 1.0624**10 today. A 10.30 $/month
    fixed charge is 123.6 $ a year, 123.6 x pwf_e x 0.74 over the life (from the unrounded amount)."""
    gen = {"existing_kw": 10.0, "min_kw": 5.0, "max_kw": 5.0, "replace_cost_per_kw": 100.0, "replacement_year": 10}
    raw = scenario(np.ones(N), _flat_urdb([[{"rate": 0.1}]], fixedmonthlycharge=10.30), Generator=gen)
    raw["Financial"] = {}
    r = run(raw)
    assert r["Financial"]["replacements_future_cost_after_tax"] == 500.0
    assert r["Financial"]["replacements_present_cost_after_tax"] == pytest.approx(500 * 0.74 / 1.0624 ** 10, abs=0.01)
    assert r["ElectricTariff"]["lifecycle_fixed_cost_after_tax"] == pytest.approx(123.6 * 14.82026 * 0.74, abs=0.01)
