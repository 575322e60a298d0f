"""Solved models as REopt-named results (``reopt_core.md`` §10).

Dollar figures follow REopt's rounding (year-one bill parts to cents, fixed charges to dollars,
life-cycle figures to cents, sizes to 2 decimals) so results compare one to one with REopt's.
Time series are **not** rounded (REopt rounds some to 3 decimals): unrounded, the energy balance and
the state-of-charge dynamics hold exactly in the returned numbers.

The year-one bill is computed by the tariff engine from the dispatched grid purchases and exports,
the same arrays the optimiser priced; where the optimiser's reading of the tariff is not exact
(see :mod:`omf_der.milp.model`) ``Messages.warnings`` reports the difference.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tariff import bill as tariff_bill
from ..tariff.reopt import year_one_outputs
from .lp import Solution
from .model import Model


def _series(x: np.ndarray) -> list[float]:
    return [float(v) for v in x]


class Dispatch:
    """The solved flows of one model (kW per step; zeros for what the model does not have)."""

    def __init__(self, model: Model, sol: Solution) -> None:
        self.model, self.sol = model, sol
        n = model.scenario.calendar.n_steps
        zero = np.zeros(n)

        def get(name: str, default=zero) -> np.ndarray:
            block = model.col(name)
            return sol.value(block).copy() if block is not None else default

        self.grid = get("grid")
        self.grid_to_storage = get("grid_to_storage")
        self.discharge = get("discharge")
        self.soc_kwh = get("soc")
        self.gen = get("gen")
        self.gen_to_storage = get("gen_to_storage")
        self.gen_export = get("export_gen")
        self.pv_to_storage = get("pv_to_storage")
        self.pv_export = get("export_pv")
        self.pv_curtail = get("pv_curtail")
        self.storage_kw = float(get("storage_kw", np.zeros(1))[0])
        self.storage_kwh = float(get("storage_kwh", np.zeros(1))[0])
        self.gen_kw = float(get("gen_kw", np.zeros(1))[0])
        self.pv_kw = float(get("pv_kw", np.zeros(1))[0])
        pv = model.scenario.pv
        self.pv_production = (pv["production_factor_series"] * model.levelization * self.pv_kw
                              if pv is not None else zero)
        self.exports = self.gen_export + self.pv_export
        self.bill = tariff_bill(model.series, self.grid - self.exports)
        self.fuel_gal = 0.0
        if model.fuel is not None:
            self.fuel_gal = float(model.fuel[1] @ sol.x[model.fuel[0]])

    def lifecycle(self, name: str) -> float:
        return self.model.lifecycle.value(name, self.sol.x)

    @property
    def lcc(self) -> float:
        return sum(self.lifecycle(n) for n in self.model.lifecycle.names())

    def year_one_optimised_bill(self) -> float:
        return sum(self.model.bill.value(n, self.sol.x) for n in self.model.bill.names())


def assemble(model: Model, sol: Solution, bau: Dispatch, build_seconds: float, bau_info: dict) -> dict[str, Any]:
    """REopt-style results of the optimal model with its BAU copies (``..._bau`` keys, ``npv``)."""
    sc, f = model.scenario, model.factors
    d = Dispatch(model, sol)
    warnings = list(sc.warnings) + list(model.warnings)
    gap = d.bill.total_cost.sum() - d.year_one_optimised_bill()
    if abs(gap) > 0.01:
        warnings.append(f"the year-one bill of the dispatch ({d.bill.total_cost.sum():.2f} $) differs from the "
                        f"optimiser's reading of the tariff by {gap:+.2f} $")
    time_limited = not sol.optimal
    if time_limited:
        warnings.append(f"HiGHS stopped with status '{sol.status}': the results are the best feasible solution "
                        f"found (relative MIP gap {sol.mip_gap:.3g})")
    dt = sc.calendar.step_hours
    load = sc.loads_kw
    out: dict[str, Any] = {
        "status": "optimal" if sol.optimal else "timed-out",
        "Messages": {"warnings": warnings, "errors": []},
        "Solver": {
            "name": "HiGHS", "highs_version": sol.highs_version, "status": sol.status,
            "optimal": sol.optimal, "time_limited": time_limited, "mip_gap": sol.mip_gap,
            "objective": sol.objective, "build_seconds": build_seconds, "solve_seconds": sol.seconds,
            "random_seed": sc.settings["random_seed"], "time_limit_seconds": sc.settings["timeout_seconds"],
            "mip_rel_gap_setting": sc.settings["optimality_tolerance"], "threads": 1,
            "columns": sol.n_cols, "rows": sol.n_rows, "integer_columns": sol.n_integer,
            "bau": bau_info,
        },
        "ElectricLoad": {
            "load_series_kw": _series(load),
            "annual_calculated_kwh": round(float(load.sum()) * dt, 2),
            "monthly_calculated_kwh": _series(sc.calendar.monthly_sum(load) * dt),
            "monthly_peaks_kw": _series(sc.calendar.monthly_max(load)),
            "annual_peak_kw": float(load.max()),
        },
        "ElectricTariff": {**year_one_outputs(d.bill), **year_one_outputs(bau.bill, "_bau")},
        "ElectricUtility": {},
    }
    weight = f.pwf_e * (1 - f.tax_offtaker)
    for suffix, x in (("", d), ("_bau", bau)):
        # life-cycle parts from the unrounded year-one amounts
        a = x.bill.annual
        parts = {"energy_cost": a["energy_cost"], "demand_cost": a["demand_cost"] - a["demand_cost_coincident"],
                 "fixed_cost": a["fixed_cost"], "min_charge_adder": a["minimum_charge_adder"],
                 "coincident_peak_cost": a["demand_cost_coincident"], "export_benefit": a["export_credit"]}
        parts["bill"] = sum(v for k, v in parts.items() if k != "export_benefit")
        for part, value in parts.items():
            out["ElectricTariff"][f"lifecycle_{part}_after_tax{suffix}"] = round(weight * value, 2)
        out["ElectricUtility"].update({
            f"electric_to_load_series_kw{suffix}": _series(x.grid - x.grid_to_storage),
            f"electric_to_storage_series_kw{suffix}": _series(x.grid_to_storage),
            f"annual_energy_supplied_kwh{suffix}": round(float(x.grid.sum()) * dt, 2),
        })
    if sc.storage is not None:
        soc = d.soc_kwh / d.storage_kwh if d.storage_kwh > 0 else np.zeros_like(d.soc_kwh)
        out["ElectricStorage"] = {
            "size_kw": round(d.storage_kw, 2), "size_kwh": round(d.storage_kwh, 2),
            "storage_to_load_series_kw": _series(d.discharge),
            "storage_to_grid_series_kw": _series(np.zeros_like(d.discharge)),
            "soc_series_fraction": _series(soc),
            "soc_series_kwh": _series(d.soc_kwh),
            "initial_capital_cost": round(_storage_installed(sc.storage, d, model), 2),
        }
    if sc.generator is not None:
        out["Generator"] = _generator(model, d, "") | _generator(bau.model, bau, "_bau")
    if sc.pv is not None:
        out["PV"] = _pv(model, d, "") | (_pv(bau.model, bau, "_bau") if bau.model.scenario.pv is not None else {})
    out["Financial"] = _financial(model, d, bau)
    return out


def _storage_installed(b: dict, d: Dispatch, model: Model) -> float:
    include = model.col("storage_cost_constant")
    constant = float(d.sol.value(include)[0]) if include is not None else 0.0
    return (b["installed_cost_per_kw"] * d.storage_kw + b["installed_cost_per_kwh"] * d.storage_kwh
            + b["installed_cost_constant"] * round(constant))


def _generator(model: Model, d: Dispatch, suffix: str) -> dict[str, Any]:
    g = model.scenario.generator
    if g is None:
        return {}
    f, dt = model.factors, model.scenario.calendar.step_hours
    fuel_cost = d.fuel_gal * g["fuel_cost_per_gallon"]
    out = {
        "size_kw": round(d.gen_kw, 2),
        "electric_to_load_series_kw": _series(d.gen - d.gen_to_storage - d.gen_export),
        "electric_to_storage_series_kw": _series(d.gen_to_storage),
        "electric_to_grid_series_kw": _series(d.gen_export),
        "annual_fuel_consumption_gal": round(d.fuel_gal, 2),
        "annual_energy_produced_kwh": round(float(d.gen.sum()) * dt, 0),
        "year_one_fuel_cost_before_tax": round(fuel_cost, 2),
        "lifecycle_fuel_cost_after_tax": round(fuel_cost * f.pwf_fuel * (1 - f.tax_offtaker), 2),
        "year_one_fixed_om_cost_before_tax": round(g["om_cost_per_kw"] * d.gen_kw, 2),
        "year_one_variable_om_cost_before_tax": round(g["om_cost_per_kwh"] * float(d.gen.sum()) * dt, 2),
    }
    return {k + suffix: v for k, v in out.items()}


def _pv(model: Model, d: Dispatch, suffix: str) -> dict[str, Any]:
    dt = model.scenario.calendar.step_hours
    out = {
        "size_kw": round(d.pv_kw, 2),
        "production_factor_series": _series(model.scenario.pv["production_factor_series"]),
        "electric_to_load_series_kw": _series(d.pv_production - d.pv_to_storage - d.pv_export - d.pv_curtail),
        "electric_to_storage_series_kw": _series(d.pv_to_storage),
        "electric_to_grid_series_kw": _series(d.pv_export),
        "electric_curtailed_series_kw": _series(d.pv_curtail),
        "annual_energy_produced_kwh": round(float(d.pv_production.sum()) * dt, 0),
        "year_one_energy_produced_kwh": round(float(d.pv_production.sum()) * dt / model.levelization, 0),
        "levelization_factor": model.levelization,
    }
    return {k + suffix: v for k, v in out.items()}


def _financial(model: Model, d: Dispatch, bau: Dispatch) -> dict[str, Any]:
    sc, f = model.scenario, model.factors
    names = ("lifecycle_storage_capital_costs", "lifecycle_generator_capital_costs", "lifecycle_pv_capital_costs",
             "lifecycle_om_costs_after_tax", "lifecycle_fuel_costs_after_tax", "lifecycle_elecbill_after_tax")
    out: dict[str, Any] = {}
    for suffix, x in (("", d), ("_bau", bau)):
        for name in names:
            out[name + suffix] = round(x.lifecycle(name), 2)
        out["lifecycle_capital_costs" + suffix] = round(sum(x.lifecycle(n) for n in names[:3]), 2)
        out["lcc" + suffix] = round(x.lcc, 2)
    out["npv"] = round(bau.lcc - d.lcc, 2)

    installed = 0.0
    if sc.storage is not None:
        installed += _storage_installed(sc.storage, d, model)
    for key, tech in (("gen_purchase_kw", sc.generator), ("pv_purchase_kw", sc.pv)):
        if tech is not None:
            installed += tech["installed_cost_per_kw"] * float(d.sol.value(model.col(key))[0])
    out["initial_capital_costs"] = round(installed, 2)
    om_year_one = _om_year_one(model, d)
    om_bau = _om_year_one(bau.model, bau)
    out["year_one_om_costs_before_tax"] = round(om_year_one, 2)
    out["year_one_om_costs_before_tax_bau"] = round(om_bau, 2)
    fuel = d.fuel_gal * sc.generator["fuel_cost_per_gallon"] if sc.generator is not None else 0.0
    fuel_bau = bau.fuel_gal * bau.model.scenario.generator["fuel_cost_per_gallon"] \
        if bau.model.scenario.generator is not None else 0.0
    savings = bau.bill.total_cost.sum() - d.bill.total_cost.sum() + (fuel_bau - fuel) + (om_bau - om_year_one)
    out["year_one_total_savings_before_tax"] = round(float(savings), 2)
    if savings > 0:
        out["simple_payback_years"] = round(installed / float(savings), 2)
    else:
        out["simple_payback_years"] = None     # never pays back (REopt reports 0.0)
    out["present_worth_factors"] = {"electricity": f.pwf_e, "om": f.pwf_om, "generator_fuel": f.pwf_fuel}
    out.update(_replacements(model, d))
    return out


def _om_year_one(model: Model, d: Dispatch) -> float:
    sc, dt = model.scenario, model.scenario.calendar.step_hours
    total = 0.0
    if sc.storage is not None:
        total += sc.storage["om_cost_fraction_of_installed_cost"] * _storage_installed(sc.storage, d, model)
    if sc.generator is not None:
        total += sc.generator["om_cost_per_kw"] * d.gen_kw + sc.generator["om_cost_per_kwh"] * float(d.gen.sum()) * dt
    if sc.pv is not None:
        total += sc.pv["om_cost_per_kw"] * d.pv_kw
    return total


def _replacements(model: Model, d: Dispatch) -> dict[str, float]:
    """Storage and generator replacements within the analysis: future cost and present value after tax."""
    sc, f = model.scenario, model.factors
    items = []
    if sc.storage is not None:
        b = sc.storage
        include = model.col("storage_cost_constant")
        constant = round(float(d.sol.value(include)[0])) if include is not None else 0
        items += [(b["replace_cost_per_kw"] * d.storage_kw, b["inverter_replacement_year"]),
                  (b["replace_cost_per_kwh"] * d.storage_kwh, b["battery_replacement_year"]),
                  (b["replace_cost_constant"] * constant, b["cost_constant_replacement_year"])]
    if sc.generator is not None:   # replacements of what was bought (existing capacity is not replaced)
        purchased = float(d.sol.value(model.col("gen_purchase_kw"))[0])
        items.append((sc.generator["replace_cost_per_kw"] * purchased, sc.generator["replacement_year"]))
    future = sum(c for c, y in items if 0 < y < f.years)
    present = sum(c * (1 - f.tax_owner) / (1 + f.discount_owner) ** y for c, y in items if 0 < y < f.years)
    # REopt's names; the future cost is reported before tax, as REopt does
    return {"replacements_future_cost_after_tax": round(future, 2),
            "replacements_present_cost_after_tax": round(present, 2)}
