"""derConsumer: what enrolling one home's DERs in a co-op program is worth to the member.

Flow of :func:`work` (the reference model's, ``reference/omf_derconsumer.md`` §3, with its
defects fixed where §12 lists them):

1. **seeds**: the recorded seeds and water-heater random numbers, or fresh ones (saved with the run);
2. **tariff**: the rate file, or the URDB label through the OpenEI client (cached), laid on the
   year's calendar with the chosen demand method;
3. **thermal devices** (WH > AC > HP): PNNL virtual-battery bounds, then one LP per device that
   minimises the bill of the net load the earlier devices left (the reference minimised the sum
   of monthly peaks of the original load: D52); a device never sheds more than the home draws;
4. **battery and generator**: the MILP core against the load after the thermal devices, with the
   member's share of the battery (1 - utility portion) at a fixed size and the existing generator
   (fuel curve from its efficiency and the fuel's heating value; natural gas in ft³ throughout:
   D15); no capital costs, no taxes, prices escalating as the projection's;
5. **bills** of the home's demand and of the adjusted load, same tariff, same demand method, and
   the sequential bills in dispatch order that split the savings per technology;
6. **economics** (:mod:`omf_der.economics`), 7. **plots** (:mod:`omf_der.plots`), 8. **files**.

The adjusted load is ``demand - thermal power - battery to load - generator to load + grid to
battery``: what the meter would read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from omf_der import __version__, economics, plots
from omf_der.economics import Replacement, Technology
from omf_der.inputs import DER_CONSUMER, Inputs
from omf_der.model_dir import dump_json, series_csv
from omf_der.readers import f_to_c
from omf_der.milp import parse_scenario, resolved_inputs
from omf_der.milp import run as run_milp
from omf_der.seeds import draw_seed, format_water_heater_random_numbers, water_heater_random_numbers
from omf_der.tariff import Tariff, bill, fetch_rate
from omf_der.thermal import DeviceBounds, DeviceDispatch, combine, dispatch_in_priority, thermostatic_bounds, \
    water_heater_bounds

NAME = "derConsumer"
TITLE = "DER Consumer"
DESCRIPTION = ("What enrolling a home's battery, generator, air conditioner, heat pump and water heater in a "
               "co-op DER program is worth to the member: monthly bills with and without the program, savings "
               "per technology, costs, cash flow, net present value and payback.")
SCHEMA = DER_CONSUMER
STEPS = ("tariff", "thermal devices", "battery and generator", "bills", "economics", "plots", "files")

THERMAL_ORDER = ("wh", "ac", "hp")                  # dispatch priority
DEVICE_LABELS = {"wh": "Water heater", "ac": "Air conditioner", "hp": "Heat pump"}
TECH_ORDER = ("wh", "ac", "hp", "bess", "generator")  # sequential bills: the dispatch order
TECH_LABELS = {"bess": "Home BESS", "generator": "Generator", "thermal": "Thermal devices", **DEVICE_LABELS}
SEED_KEYS = {"bess_gen": "random_seed_bess_gen", "ac": "random_seed_ac", "hp": "random_seed_hp",
             "wh": "random_seed_wh"}
_ENABLE = {"bess": "enable_bess", "generator": "enable_generator", "wh": "enable_wh", "ac": "enable_ac",
           "hp": "enable_hp"}
MILP_TIME_LIMIT_S = 300.0
SOC_INCENTIVE_SCALE = 1e-6
PLOT_FILES = {
    "impact_to_demand": "Plot_NewDemand.html",
    "der_serving_load": "Plot_DerServingLoadOverview.html",
    "thermal_serving_load": "Plot_ThermalDERServingLoadOverview.html",
    "thermal_power_profile": "Plot_ThermalBatteryPowerProfile.html",
    "bess_state_of_charge": "Plot_BESSStateOfCharge.html",
    "cash_flow": "Plot_CashFlowProjection.html",
    "savings_per_technology": "Plot_SavingsBreakdownPerTechnology.html",
    "savings_thermal": "Plot_SavingsBreakdownThermal.html",
}


def defaults() -> dict[str, Any]:
    """The default inputs, JSON-ready (field names of :data:`omf_der.inputs.FIELDS`)."""
    return Inputs.defaults().to_json_dict()


def parse(data: Mapping[str, Any] | Inputs) -> Inputs:
    """Validated inputs (raises :class:`~omf_der.errors.InputErrors` naming every bad field)."""
    return data if isinstance(data, Inputs) else Inputs.from_dict(data)



# =========================================================================== the run
def work(model_dir: Path, inputs: Inputs, progress: Callable[[str], None] | None = None,
         timings: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the model; write the raw files into ``model_dir`` and return the outputs.

    ``progress(step)`` is called at the start of every step of :data:`STEPS`; solver times go into
    ``timings`` (kept out of the outputs so that a rerun reproduces them byte for byte).
    """
    report = progress or (lambda step: None)
    timings = timings if timings is not None else {}
    model_dir = Path(model_dir)
    cal = inputs.calendar
    n = cal.n_steps
    demand = np.asarray(inputs.demand_curve_kw, dtype=float)
    notes: list[str] = []
    seeds, wh_numbers = _seeds(inputs)

    report("tariff")
    rate, tariff_file = _rate(inputs)
    tariff = Tariff.from_urdb(rate, "urdb_label" if inputs.use_urdb_label else "tariff")
    series = tariff.on(cal, inputs.demand_method)
    notes += [f"tariff field {note}" for note in tariff.notes]

    report("thermal devices")
    outdoor_c = f_to_c(np.asarray(inputs.temperature_curve_f, dtype=float))
    bounds, device_inputs = _thermal_bounds(inputs, outdoor_c, wh_numbers)
    thermal = dispatch_in_priority(bounds, demand, series, {d: seeds[d] for d in bounds}, objective="bill",
                                   within_load=True)
    timings["thermal_seconds"] = {d: r.seconds for d, r in thermal.items()}
    for d, r in thermal.items():
        notes += [f"{DEVICE_LABELS[d].lower()} dispatch: {note}" for note in r.notes]
    combined = combine(thermal, n)
    device_loads = [demand]
    for d in THERMAL_ORDER:
        device_loads.append(device_loads[-1] - thermal[d].power_kw if d in thermal else device_loads[-1])
    after_thermal = _non_negative(device_loads[-1], "load after the thermal devices")

    report("battery and generator")
    milp = _battery_and_generator(inputs, rate, after_thermal, seeds["bess_gen"], timings)
    if milp is not None:
        notes += [f"battery/generator optimisation: {w}" for w in milp["results"]["Messages"]["warnings"]]
    der = _der_series(milp, n)
    after_bess = after_thermal - der["bess_net_kw"]
    adjusted = _non_negative(after_bess - der["generator_kw"], "adjusted load")

    report("bills")
    loads = {"base": demand, "wh": device_loads[1], "ac": device_loads[2], "hp": device_loads[3],
             "bess": after_bess, "generator": adjusted}
    bills = {"base": bill(series, demand)}
    previous = "base"
    for tech in TECH_ORDER:   # a technology that did nothing keeps the previous bill
        changed = not np.array_equal(loads[tech], loads[previous])
        bills[tech] = bill(series, loads[tech]) if changed else bills[previous]
        previous = tech
    adjusted_bill = bills["generator"]

    report("economics")
    marginal = economics.marginal_bill_savings([bills["base"], *(bills[t] for t in TECH_ORDER)], TECH_ORDER)
    fuel = inputs.fuel
    gen_kwh_monthly = cal.monthly_sum(der["generator_kw"]) * cal.step_hours
    fuel_units_monthly = fuel.units_for_kwh(gen_kwh_monthly, inputs.generator_efficiency_pct / 100.0)
    techs = _technologies(inputs, marginal, fuel_units_monthly * inputs.fuel_cost_usd_per_unit)
    thermal_total = economics.total({d: techs[d] for d in THERMAL_ORDER})
    program = economics.total(techs)
    table = economics.monthly_table(bills["base"], adjusted_bill, program)
    rate_fraction = inputs.discount_rate_pct / 100.0
    escalation = inputs.price_escalation_pct / 100.0
    flows = {name: economics.cash_flow(t, inputs.projection_years, rate_fraction, escalation)
             for name, t in {**techs, "thermal": thermal_total, "total": program}.items()}
    if milp is not None and "Generator" in milp["results"]:
        milp_fuel = milp["results"]["Generator"]["annual_fuel_consumption_gal"]
        if abs(milp_fuel - fuel_units_monthly.sum()) > 0.01 + 1e-6 * milp_fuel:
            notes.append(f"generator fuel: the optimiser's {milp_fuel} differs from {fuel_units_monthly.sum():.2f} "
                         f"{fuel.unit_label} computed from its output")

    report("plots")
    figures = _figures(inputs, cal, demand, adjusted, after_thermal, thermal, combined, der,
                       {**techs, "thermal": thermal_total}, flows)

    report("files")
    _write_files(model_dir, inputs, rate, tariff_file, seeds, wh_numbers, device_inputs, thermal, milp, figures)

    flow = flows["total"]
    return {
        "model": NAME, "version": __version__,
        "summary": {
            "npv_usd": flow.npv_usd, "simple_payback_years": flow.payback_years,
            "year_one_net_savings_usd": float(table["net_savings_usd"].sum()),
            "year_one_bill_savings_usd": float(program.bill.total_usd.sum()),
            "upfront_cost_usd": program.upfront_cost_usd, "upfront_subsidy_usd": program.upfront_subsidy_usd,
            "annual_bill_usd": float(bills["base"].total_cost.sum()),
            "adjusted_annual_bill_usd": float(adjusted_bill.total_cost.sum()),
            "projection_years": inputs.projection_years, "discount_rate_pct": inputs.discount_rate_pct,
            "enabled": {tech: bool(inputs[flag]) for tech, flag in _ENABLE.items()},
        },
        "seeds": seeds,
        "monthly_table": economics.table_to_dict(table),
        "cash_flow": flow.to_dict(),
        "technologies": {name: {"label": TECH_LABELS[name], "enabled": _enabled(inputs, name),
                                **t.year_one(), "cash_flow": flows[name].to_dict()}
                         for name, t in {**techs, "thermal": thermal_total}.items()},
        "bills": {"base": bills["base"].to_dict(optional=True), "adjusted": adjusted_bill.to_dict(optional=True)},
        "series": _series_out(cal, demand, adjusted, inputs, thermal, combined, der),
        "thermal": {d: {"status": r.status, "seed": r.seed, "objective": r.objective, "notes": list(r.notes)}
                    for d, r in thermal.items()},
        "battery_and_generator": _milp_summary(milp, fuel),
        "notes": notes,
        "plots": {name: plots.figure_json(fig) for name, fig in figures.items()},
    }


def _enabled(inputs: Inputs, name: str) -> bool:
    if name == "thermal":
        return any(inputs[_ENABLE[d]] for d in THERMAL_ORDER)
    return bool(inputs[_ENABLE[name]])


def _non_negative(load: np.ndarray, what: str) -> np.ndarray:
    """Clip solver round-off below zero; a real negative would be a bug, not an export."""
    if load.min() < -1e-6:
        raise RuntimeError(f"the {what} is negative ({load.min():.6g} kW): the dispatch broke its bounds")
    return np.maximum(load, 0.0)


# =========================================================================== steps
def _seeds(inputs: Inputs) -> tuple[dict[str, int], np.ndarray]:
    """The recorded seeds and water-heater random numbers, or fresh ones."""
    if inputs.use_provided_random_numbers:
        return {k: int(inputs[f]) for k, f in SEED_KEYS.items()}, np.asarray(inputs.wh_random_numbers, dtype=float)
    return {k: draw_seed() for k in SEED_KEYS}, water_heater_random_numbers(draw_seed())


def _rate(inputs: Inputs) -> tuple[dict, str]:
    """The URDB rate record and the name of the raw file it is saved as."""
    if inputs.use_urdb_label:
        return fetch_rate(inputs.urdb_label), "urdbLabel_responseFile_input_derConsumer.json"
    return dict(inputs.tariff), "residential_rate_structure_input_derConsumer.json"


def _thermal_bounds(inputs: Inputs, outdoor_c: np.ndarray,
                    wh_numbers: np.ndarray) -> tuple[dict[str, DeviceBounds], dict[str, dict]]:
    """Virtual-battery bounds of the enabled devices (°F inputs converted here, once)."""
    bounds: dict[str, DeviceBounds] = {}
    described: dict[str, dict] = {}
    for d in THERMAL_ORDER:
        if not inputs[f"enable_{d}"]:
            continue
        params = {"power_kw": inputs[f"{d}_power_kw"], "capacitance_kwh_per_c": inputs[f"{d}_capacitance_kwh_per_c"],
                  "resistance_c_per_kw": inputs[f"{d}_resistance_c_per_kw"],
                  "setpoint_c": float(f_to_c(inputs[f"{d}_setpoint_f"])), "deadband_c": inputs[f"{d}_deadband_f"] / 1.8}
        if d == "wh":
            ambient_c = float(f_to_c(inputs.wh_ambient_temperature_f))
            bounds[d] = water_heater_bounds(outdoor_c, ambient_c, random_numbers=wh_numbers, **params).as_device()
            params["ambient_c"] = ambient_c
        else:
            params["cop"] = inputs[f"{d}_cop"]
            bounds[d] = thermostatic_bounds(d, outdoor_c, **params)
        described[d] = {"device": d, "label": DEVICE_LABELS[d], "priority": THERMAL_ORDER.index(d) + 1,
                        "n_devices": 1, **params, "alpha": bounds[d].alpha,
                        "setpoint_f": inputs[f"{d}_setpoint_f"], "deadband_f": inputs[f"{d}_deadband_f"]}
    return bounds, described


def milp_scenario(inputs: Inputs, rate: dict, load_kw: np.ndarray, seed: int) -> dict[str, Any] | None:
    """The REopt-style scenario of the battery (member's share, fixed size) and the existing
    generator, or None when neither is enabled (or the member's share is zero)."""
    share = 1.0 - inputs.utility_bess_portion_pct / 100.0
    has_bess = inputs.enable_bess and share > 0
    if not (has_bess or inputs.enable_generator):
        return None
    esc = inputs.price_escalation_pct / 100.0
    r = inputs.discount_rate_pct / 100.0
    scenario: dict[str, Any] = {
        "Site": {"latitude": inputs.latitude, "longitude": inputs.longitude},
        "ElectricLoad": {"loads_kw": load_kw.tolist(), "year": inputs.year},
        "ElectricTariff": {"urdb_response": rate},
        # the member's money: no taxes, the program's discount rate and price escalation
        "Financial": {"analysis_years": inputs.projection_years, "offtaker_discount_rate_fraction": r,
                      "owner_discount_rate_fraction": r, "offtaker_tax_rate_fraction": 0.0,
                      "owner_tax_rate_fraction": 0.0, "elec_cost_escalation_rate_fraction": esc,
                      "generator_fuel_cost_escalation_rate_fraction": esc,
                      "om_cost_escalation_rate_fraction": 0.0},
        # REopt's SOC incentive ($1 per kWh of average charge) would buy grid energy to hold charge and
        # raise peaks the member pays for; scaled down it only breaks ties between equal dispatches
        "Settings": {"time_steps_per_hour": 1, "random_seed": int(seed), "demand_method": inputs.demand_method,
                     "timeout_seconds": MILP_TIME_LIMIT_S, "soc_incentive_scale": SOC_INCENTIVE_SCALE},
    }
    if has_bess:
        kw, kwh = inputs.bess_kw * share, inputs.bess_kwh * share
        # costs live in omf_der.economics; here only the dispatch
        scenario["ElectricStorage"] = {
            "min_kw": kw, "max_kw": kw, "min_kwh": kwh, "max_kwh": kwh, "can_grid_charge": True,
            "installed_cost_per_kw": 0.0, "installed_cost_per_kwh": 0.0, "installed_cost_constant": 0.0,
            "om_cost_fraction_of_installed_cost": 0.0, "macrs_option_years": 0, "macrs_bonus_fraction": 0.0,
            "total_itc_fraction": 0.0}
    if inputs.enable_generator:
        eff = inputs.generator_efficiency_pct / 100.0
        scenario["Generator"] = {
            "existing_kw": inputs.generator_kw, "min_kw": 0.0, "max_kw": 0.0, "only_runs_during_grid_outage": False,
            "fuel_cost_per_gallon": inputs.fuel_cost_usd_per_unit, "fuel_avail_gal": inputs.fuel_available,
            "fuel_higher_heating_value_kwh_per_gal": inputs.fuel.hhv_kwh_per_unit,
            "electric_efficiency_full_load": eff, "electric_efficiency_half_load": eff,
            "om_cost_per_kw": 0.0, "om_cost_per_kwh": 0.0, "installed_cost_per_kw": 0.0}
    return scenario


def _battery_and_generator(inputs: Inputs, rate: dict, load_kw: np.ndarray, seed: int,
                           timings: dict) -> dict[str, Any] | None:
    scenario = milp_scenario(inputs, rate, load_kw, seed)
    if scenario is None:
        return None
    sc = parse_scenario(scenario)
    results = run_milp(sc)
    solver = results["Solver"]
    timings["milp_seconds"] = {k: solver.pop(k) for k in ("build_seconds", "solve_seconds")}
    timings["milp_seconds"]["bau"] = {k: solver["bau"].pop(k) for k in ("build_seconds", "solve_seconds")}
    return {"scenario": scenario, "resolved": resolved_inputs(sc), "results": results}


def _der_series(milp: dict | None, n: int) -> dict[str, np.ndarray]:
    """Battery and generator series (zeros without them). ``bess_net_kw`` is what the battery takes
    off the load (discharge less grid and generator charging); ``generator_kw`` all it produces."""
    z = np.zeros(n)
    out = {"bess_to_load_kw": z, "grid_to_bess_kw": z, "generator_to_bess_kw": z, "soc_pct": z,
           "generator_to_load_kw": z, "grid_to_load_kw": None}
    if milp is not None:
        res = milp["results"]
        out["grid_to_load_kw"] = np.array(res["ElectricUtility"]["electric_to_load_series_kw"])
        if "ElectricStorage" in res:
            s = res["ElectricStorage"]
            out["bess_to_load_kw"] = np.array(s["storage_to_load_series_kw"])
            out["soc_pct"] = np.array(s["soc_series_fraction"]) * 100.0
            out["grid_to_bess_kw"] = np.array(res["ElectricUtility"]["electric_to_storage_series_kw"])
        if "Generator" in res:
            g = res["Generator"]
            out["generator_to_load_kw"] = np.array(g["electric_to_load_series_kw"])
            out["generator_to_bess_kw"] = np.array(g["electric_to_storage_series_kw"])
    out["bess_net_kw"] = out["bess_to_load_kw"] - out["grid_to_bess_kw"] - out["generator_to_bess_kw"]
    out["generator_kw"] = out["generator_to_load_kw"] + out["generator_to_bess_kw"]
    return out


def _technologies(inputs: Inputs, marginal: Mapping[str, economics.BillSavings],
                  fuel_usd_monthly: np.ndarray) -> dict[str, Technology]:
    """Each technology's bill savings, subsidies, costs and replacements (zero when disabled)."""
    months = np.ones(12)
    techs: dict[str, Technology] = {}
    share = 1.0 - inputs.utility_bess_portion_pct / 100.0
    for tech in TECH_ORDER:
        if not inputs[_ENABLE[tech]]:
            techs[tech] = Technology(marginal[tech])   # zero savings: its load step changed nothing
            continue
        sub = "gen" if tech == "generator" else tech
        common = dict(subsidies_usd=inputs[f"{sub}_subsidy_monthly_usd"] * months,
                      upfront_subsidy_usd=inputs[f"{sub}_subsidy_upfront_usd"])
        if tech == "bess":
            battery = share * (inputs.bess_replace_cost_usd_per_kw * inputs.bess_kw
                               + inputs.bess_replace_cost_usd_per_kwh * inputs.bess_kwh)
            techs[tech] = Technology(marginal[tech], upfront_cost_usd=inputs.bess_retrofit_cost_usd, replacements=(
                Replacement(battery, inputs.bess_lifetime_years),
                Replacement(share * inputs.inverter_replace_cost_usd, inputs.inverter_lifetime_years)), **common)
        elif tech == "generator":
            techs[tech] = Technology(marginal[tech], fuel_usd=fuel_usd_monthly,
                                     upfront_cost_usd=inputs.generator_retrofit_cost_usd,
                                     replacements=(Replacement(inputs.generator_replace_cost_usd_per_kw
                                                               * inputs.generator_kw,
                                                               inputs.generator_lifetime_years),), **common)
        else:
            techs[tech] = Technology(marginal[tech], upkeep_usd=inputs[f"{tech}_upkeep_cost_usd_per_year"] / 12 * months,
                                     upfront_cost_usd=inputs[f"{tech}_retrofit_cost_usd"], **common)
    return techs


# =========================================================================== outputs
def _series_out(cal, demand, adjusted, inputs, thermal: Mapping[str, DeviceDispatch], combined, der) -> dict:
    out = {"demand_kw": demand, "adjusted_kw": adjusted, "temperature_f": np.asarray(inputs.temperature_curve_f),
           "thermal_power_kw": combined.power_kw, "thermal_charging_kw": combined.charging_kw,
           "thermal_discharging_kw": combined.discharging_kw,
           "bess_to_load_kw": der["bess_to_load_kw"], "grid_to_bess_kw": der["grid_to_bess_kw"],
           "generator_to_bess_kw": der["generator_to_bess_kw"], "bess_soc_pct": der["soc_pct"],
           "generator_to_load_kw": der["generator_to_load_kw"]}
    for d, r in thermal.items():
        out[f"{d}_power_kw"] = r.power_kw
        out[f"{d}_energy_kwh"] = r.energy_kwh
    return {k: [float(x) for x in v] for k, v in out.items()}


def _milp_summary(milp: dict | None, fuel) -> dict[str, Any]:
    if milp is None:
        return {"ran": False, "reason": "no battery share or generator enabled"}
    res = milp["results"]
    out = {"ran": True, "status": res["status"], "objective": res["Solver"]["objective"],
           "mip_gap": res["Solver"]["mip_gap"], "random_seed": res["Solver"]["random_seed"],
           "warnings": res["Messages"]["warnings"]}
    if "ElectricStorage" in res:
        out["bess_kw"] = res["ElectricStorage"]["size_kw"]
        out["bess_kwh"] = res["ElectricStorage"]["size_kwh"]
    if "Generator" in res:
        out["generator_fuel_units"] = res["Generator"]["annual_fuel_consumption_gal"]
        out["generator_fuel_unit"] = fuel.unit_label
        out["generator_kwh"] = res["Generator"]["annual_energy_produced_kwh"]
    return out


def _figures(inputs, cal, demand, adjusted, after_thermal, thermal, combined, der, techs, flows) -> dict:
    ts = cal.timestamps_np
    temp = np.asarray(inputs.temperature_curve_f, dtype=float)
    has_bess = inputs.enable_bess and inputs.utility_bess_portion_pct < 100
    # who serves the home's own demand and who the thermal devices' charging (the grid first, then the
    # battery, then the generator): the serving stack adds up to the demand (the reference stacked the
    # grid's supply of the thermal charging in it too, so it exceeded the load: D57)
    grid_to_load = der["grid_to_load_kw"] if der["grid_to_load_kw"] is not None else after_thermal
    grid_to_thermal = np.minimum(combined.charging_kw, grid_to_load)
    der_to_thermal = combined.charging_kw - grid_to_thermal
    bess_to_thermal = np.minimum(der_to_thermal, der["bess_to_load_kw"])
    gen_to_thermal = der_to_thermal - bess_to_thermal
    total = flows["total"]

    def parts(names):
        return {TECH_LABELS[t]: _parts(techs[t]) for t in names if _enabled(inputs, t)}

    return {
        "impact_to_demand": plots.impact_to_demand(ts, demand, adjusted, temp),
        "der_serving_load": plots.der_serving_load(
            ts, grid_kw=grid_to_load - grid_to_thermal, bess_kw=der["bess_to_load_kw"] - bess_to_thermal,
            generator_kw=der["generator_to_load_kw"] - gen_to_thermal, thermal_kw=combined.discharging_kw,
            grid_to_bess_kw=der["grid_to_bess_kw"], thermal_charging_kw=grid_to_thermal,
            der_to_thermal_kw=der_to_thermal, temperature_f=temp),
        "thermal_serving_load": plots.thermal_serving_load(
            ts, grid_kw=demand - combined.discharging_kw, temperature_f=temp,
            devices={d: (r.discharging_kw, r.charging_kw) for d, r in thermal.items()}),
        "thermal_power_profile": plots.thermal_power_profile(
            ts, min_kw=combined.min_power_kw, max_kw=combined.max_power_kw, actual_kw=combined.power_kw)
        if thermal else plots.empty("Home Thermal Battery Power Profile", "No thermal device was enabled."),
        "bess_state_of_charge": plots.bess_state_of_charge(ts, der["soc_pct"]) if has_bess
        else plots.empty("Home Chemical BESS State of Charge (Consumer Portion)",
                         "No home battery was enabled (or the utility reserves all of it)."),
        "cash_flow": plots.cash_flow(total.years, savings_usd=total.savings_usd, costs_usd=total.costs_usd,
                                     net_usd=total.net_usd, cumulative_usd=total.cumulative_usd,
                                     npv_usd=total.npv_usd, payback_years=total.payback_years),
        "savings_per_technology": plots.savings_breakdown(parts(("bess", "generator", "thermal")),
                                                          title="Savings Breakdown per Technology"),
        "savings_thermal": plots.savings_breakdown(parts(THERMAL_ORDER),
                                                   title="Savings Breakdown of Thermal Technologies"),
    }


def _parts(t: Technology) -> dict[str, float]:
    y = t.year_one()
    return {"energy_usd": y["energy_savings_usd"],
            "demand_usd": y["demand_savings_usd"] + y["minimum_charge_savings_usd"],
            "subsidies_usd": y["subsidies_usd"], "costs_usd": y["costs_usd"]}


# =========================================================================== raw files
def seeds_csv(seeds: Mapping[str, int]) -> str:
    """``random_seeds.csv``: a header and one ``technology,seed`` line per seed."""
    return "technology,seed\n" + "".join(f"{k},{int(v)}\n" for k, v in seeds.items())


def _write_files(model_dir: Path, inputs: Inputs, rate: dict, tariff_file: str, seeds: dict, wh_numbers,
                 device_inputs: dict, thermal: Mapping[str, DeviceDispatch], milp: dict | None, figures: dict) -> None:
    files = {
        "demand_input_derConsumer.csv": series_csv(inputs.demand_curve_kw),
        "temperature_input_derConsumer.csv": series_csv(inputs.temperature_curve_f),
        tariff_file: dump_json(rate),
        "random_seeds.csv": seeds_csv(seeds),
        "water_heater_random_numbers.csv": format_water_heater_random_numbers(wh_numbers),
    }
    if milp is not None:
        files["reopt_input_scenario.json"] = dump_json(milp["scenario"])
        files["REoptInputs.json"] = dump_json(milp["resolved"])
        files["results.json"] = dump_json(milp["results"])
    for d, r in thermal.items():
        files[f"vbatDispatch_inputs_{d}.json"] = dump_json({**device_inputs[d], "seed": r.seed,
                                                            "objective": r.objective})
        sub = {"subsidy_upfront_usd": inputs[f"{d}_subsidy_upfront_usd"],
               "subsidy_monthly_usd": inputs[f"{d}_subsidy_monthly_usd"]}
        files[f"vbatDispatch_results_{d}.json"] = dump_json({**r.to_dict(), **sub})
    for name, text in files.items():
        (model_dir / name).write_text(text, encoding="utf-8")
    plots.write_plotlyjs(model_dir)
    for name, fig in figures.items():
        plots.write_html(fig, model_dir / PLOT_FILES[name])


def parse_file(path: str | Path) -> Inputs:
    """Validated inputs from a JSON file (curves may refer to CSV/EPW files beside it)."""
    return Inputs.from_json_file(path)
