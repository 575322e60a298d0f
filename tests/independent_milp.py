"""A second, independent formulation of the battery + generator dispatch problem, written with PuLP.

It is built from the written model (REopt v3 input names, hourly steps, fixed-size existing
equipment) and nothing else of ``omf_der`` but the tariff data (:mod:`omf_der.tariff`, itself checked
against NREL SAM), so that the project's optimiser can be compared with it objective for objective.

Model (``h = 1..T``, step length ``dt`` hours; all variables >= 0):

* load balance ``G_h + D_h + P_h - C_h - X_h = L_h`` with grid purchase ``G``, battery discharge
  ``D``, grid-to-battery ``C``, generator-to-battery ``X`` and generator output ``P``
  (no export, no curtailment);
* ``C_h <= G_h``; ``X_h <= P_h <= S`` (generator size);
* stored energy ``E_h = E_{h-1} + dt (eta_c X_h + eta_gc C_h - D_h / eta_d)``, ``E_0 = soc_init x
  K_kwh``, ``soc_min x K_kwh <= E_h <= K_kwh``, ``E_{h-1} + dt (eta_c X_h + eta_gc C_h) <= K_kwh``
  and ``D_h + C_h + X_h <= K_kw``; ``eta_gc = eta_c`` (``C = 0`` when the battery cannot grid-charge);
* fuel ``dt P_h / (eta x HHV)`` gallons per step, at most ``fuel_avail_gal`` in the year;
* energy tiers: ``G_h = sum_u G_{h,u}``, the month's kWh in tier ``u`` at most the tier's width,
  each paid at the hour's tier rate; demand tiers: a peak ``Y_g = sum_e Y_{g,e} >= G_h`` for the
  group's steps, ``Y_{g,e}`` at most the tier's width;
* minimise ``(1 - tax) [pwf_e (energy + demand + fixed) + pwf_fuel x fuel $ + pwf_om x O&M $]
  - (1 / T) sum_h E_h`` (the last term only with ``Settings.add_soc_incentive``).

All tiers are filled in order without binaries, so the tariffs used must have non-decreasing tier
prices and, in each month, the same tier premiums in every energy period.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pulp

from omf_der import Calendar
from omf_der.tariff import Tariff

HHV_KWH_PER_GAL = 40.7
FINANCIAL_DEFAULTS = {
    "analysis_years": 25,
    "offtaker_discount_rate_fraction": 0.0624,
    "offtaker_tax_rate_fraction": 0.26,
    "elec_cost_escalation_rate_fraction": 0.0166,
    "om_cost_escalation_rate_fraction": 0.025,
    "generator_fuel_cost_escalation_rate_fraction": 0.0197,
}
STORAGE_DEFAULTS = {
    "soc_min_fraction": 0.2,
    "soc_init_fraction": 0.5,
    "can_grid_charge": True,
    "rectifier_efficiency_fraction": 0.96,
    "inverter_efficiency_fraction": 0.96,
    "internal_efficiency_fraction": 0.975,
}
GENERATOR_DEFAULTS = {
    "electric_efficiency_full_load": 0.322,
    "om_cost_per_kw": 20.0,
    "om_cost_per_kwh": 0.0,
}  # fuel_cost_per_gallon and fuel_avail_gal have no default here: REopt's changed between versions


def annuity(years: int, escalation: float, discount: float) -> float:
    """Present worth factor of a cost escalating at ``escalation`` and discounted at ``discount``.

    Parameters
    ----------
    years : int
        Analysis period.
    escalation, discount : float
        Yearly fractions.

    Returns
    -------
    float
        ``x (1 - x**years) / (1 - x)`` with ``x = (1 + escalation) / (1 + discount)``, rounded to
        5 decimals as REopt does (``years`` when ``x == 1``).
    """
    x = (1 + escalation) / (1 + discount)
    if x == 1:
        return float(years)
    return round(x * (1 - x ** years) / (1 - x), 5)


def _fixed_size(block: dict[str, Any], unit: str) -> float:
    """The equipment size in ``unit`` ("kw" or "kwh") of a block whose min and max sizes are equal."""
    low, high = block.get(f"min_{unit}", 0.0), block.get(f"max_{unit}", 0.0)
    if low != high:
        raise ValueError(f"only fixed sizes are modelled: min_{unit}={low} differs from max_{unit}={high}")
    return float(high)


def _tier_widths(limits: np.ndarray) -> np.ndarray:
    """Widths of the tiers up to and including the first unbounded one (cumulative ``limits``)."""
    n = int(np.argmax(np.isinf(limits))) + 1
    return np.diff(np.concatenate([[0.0], limits[:n]]))


def _solver() -> pulp.LpSolver:
    """HiGHS through its Python API when PuLP has it, else CBC; one thread, tight gap, no log."""
    if "HiGHS" in pulp.listSolvers(onlyAvailable=True):
        return pulp.HiGHS(msg=False, threads=1, gapRel=1e-9)
    return pulp.PULP_CBC_CMD(msg=False, threads=1, gapRel=1e-9)


def solve_independent(scenario: dict[str, Any]) -> dict[str, Any]:
    """Minimise the lifecycle cost of a REopt-style scenario (see the module docstring).

    Parameters
    ----------
    scenario : dict
        ``ElectricLoad`` (``loads_kw``, ``year``), ``ElectricTariff``, and optionally
        ``ElectricStorage`` and ``Generator`` (existing, fixed sizes; a generator needs
        ``existing_kw``, ``fuel_cost_per_gallon`` and ``fuel_avail_gal``), ``Financial`` and
        ``Settings``.

    Returns
    -------
    dict
        ``objective`` ($, including the constant fixed-charge and O&M terms and minus the state-of-
        charge incentive), per-step arrays ``grid_kw``, ``soc_kwh`` (stored energy at the end of each
        step), ``discharge_kw``, ``grid_to_storage_kw``, ``gen_kw`` (each zero without the equipment it
        belongs to) and the year's ``fuel_gal``.

    Raises
    ------
    ValueError
        For sub-hourly steps or equipment whose size is not fixed.
    RuntimeError
        When the solver does not report an optimal solution.
    """
    settings = scenario.get("Settings", {})
    if settings.get("time_steps_per_hour", 1) != 1:
        raise ValueError("only hourly steps are modelled")
    dt = 1.0
    load = np.asarray(scenario["ElectricLoad"]["loads_kw"], dtype=float)
    calendar = Calendar(int(scenario["ElectricLoad"]["year"]), 1)
    calendar.check_length(load, "ElectricLoad.loads_kw")
    tariff = Tariff.from_reopt(scenario["ElectricTariff"]).on(calendar, "monthly")
    month = calendar.month.astype(np.int64)
    fin = {**FINANCIAL_DEFAULTS, **scenario.get("Financial", {})}
    years, discount = fin["analysis_years"], fin["offtaker_discount_rate_fraction"]
    after_tax = 1 - fin["offtaker_tax_rate_fraction"]
    pwf_e = annuity(years, fin["elec_cost_escalation_rate_fraction"], discount)
    pwf_om = annuity(years, fin["om_cost_escalation_rate_fraction"], discount)
    pwf_fuel = annuity(years, fin["generator_fuel_cost_escalation_rate_fraction"], discount)
    steps = range(load.size)
    prob = pulp.LpProblem("independent_dispatch", pulp.LpMinimize)

    # grid purchases, split into the month's energy tiers
    month_widths = [_tier_widths(tariff.energy_tier_limits[m]) for m in range(12)]
    grid_tier = {(h, u): prob.add_variable(f"G_{h}_{u}", lowBound=0)
                 for h in steps for u in range(month_widths[month[h]].size)}
    grid = [pulp.lpSum(grid_tier[h, u] for u in range(month_widths[month[h]].size)) for h in steps]
    for m, widths in enumerate(month_widths):
        hours = np.flatnonzero(month == m)
        for u, width in enumerate(widths[:-1]):
            prob += pulp.lpSum(dt * grid_tier[h, u] for h in hours) <= width, f"energy_tier_{m}_{u}"
    energy_cost = pulp.lpSum(dt * float(tariff.energy_rates[h, u]) * var for (h, u), var in grid_tier.items())

    # demand peaks, split into the group's demand tiers
    demand_terms = []
    for g, group in enumerate(tariff.groups):
        widths = _tier_widths(group.limits)
        peak = [prob.add_variable(f"Y_{g}_{e}", lowBound=0, upBound=None if np.isinf(w) else w)
                for e, w in enumerate(widths)]
        for h in group.steps:
            prob += pulp.lpSum(peak) >= grid[h], f"peak_{g}_{h}"
        demand_terms += [float(group.rates[e]) * peak[e] for e in range(widths.size)]
    bill = energy_cost + pulp.lpSum(demand_terms) + float(tariff.fixed_usd.sum())
    objective = after_tax * pwf_e * bill

    # battery and generator flows (zero without the equipment)
    zeros = {h: 0.0 for h in steps}
    discharge, grid_charge, gen_charge, stored, gen = zeros, zeros, zeros, zeros, zeros
    fuel_gal = 0.0

    generator = scenario.get("Generator")
    if generator is not None:
        p = {**GENERATOR_DEFAULTS, **generator}
        size = float(p["existing_kw"])
        gen = prob.add_variable_dicts("P", steps, lowBound=0, upBound=size)
        gen_kwh = pulp.lpSum(dt * gen[h] for h in steps)
        fuel_gal = gen_kwh / (p["electric_efficiency_full_load"] * HHV_KWH_PER_GAL)
        prob += fuel_gal <= p["fuel_avail_gal"], "fuel_available"
        objective += after_tax * pwf_fuel * p["fuel_cost_per_gallon"] * fuel_gal
        objective += after_tax * pwf_om * (p["om_cost_per_kw"] * size + p["om_cost_per_kwh"] * gen_kwh)

    storage = scenario.get("ElectricStorage")
    if storage is not None:
        s = {**STORAGE_DEFAULTS, **storage}
        kw, kwh = _fixed_size(s, "kw"), _fixed_size(s, "kwh")
        eta_c = s["rectifier_efficiency_fraction"] * math.sqrt(s["internal_efficiency_fraction"])
        eta_d = s["inverter_efficiency_fraction"] * math.sqrt(s["internal_efficiency_fraction"])
        discharge = prob.add_variable_dicts("D", steps, lowBound=0)
        stored = prob.add_variable_dicts("E", steps, lowBound=s["soc_min_fraction"] * kwh, upBound=kwh)
        if s["can_grid_charge"]:
            grid_charge = prob.add_variable_dicts("C", steps, lowBound=0)
        if generator is not None:
            gen_charge = prob.add_variable_dicts("X", steps, lowBound=0)
        previous = s["soc_init_fraction"] * kwh
        for h in steps:
            charge_kwh = dt * eta_c * (gen_charge[h] + grid_charge[h])  # eta_gc = eta_c
            prob += stored[h] == previous + charge_kwh - dt * discharge[h] / eta_d, f"soc_{h}"
            prob += previous + charge_kwh <= kwh, f"charge_room_{h}"
            prob += discharge[h] + grid_charge[h] + gen_charge[h] <= kw, f"power_{h}"
            if s["can_grid_charge"]:
                prob += grid_charge[h] <= grid[h], f"grid_charge_{h}"
            if generator is not None:
                prob += gen_charge[h] <= gen[h], f"gen_charge_{h}"
            previous = stored[h]
        if settings.get("add_soc_incentive", True):
            objective -= pulp.lpSum(stored[h] for h in steps) / load.size

    for h in steps:
        prob += (grid[h] + discharge[h] + gen[h] - grid_charge[h] - gen_charge[h] == float(load[h]),
                 f"balance_{h}")
    prob += objective
    prob.solve(_solver())
    if prob.sol_status != pulp.LpSolutionOptimal:
        raise RuntimeError(f"independent model not solved to optimality: {pulp.LpStatus[prob.status]}")

    def values(series: Any) -> np.ndarray:
        return np.array([pulp.value(series[h]) for h in steps], dtype=float)

    return {"objective": float(pulp.value(prob.objective)), "grid_kw": values(grid),
            "soc_kwh": values(stored), "discharge_kw": values(discharge),
            "grid_to_storage_kw": values(grid_charge), "gen_kw": values(gen),
            "fuel_gal": float(pulp.value(fuel_gal))}
