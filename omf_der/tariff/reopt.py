"""REopt-style ``ElectricTariff`` blocks (REopt v3 / REopt.jl input names) as a :class:`Tariff`.

Priority as REopt.jl: ``urdb_response`` > ``urdb_label`` > ``tou_energy_rates_per_kwh`` >
``monthly_energy_rates`` > ``blended_annual_energy_rate``; demand from ``monthly_demand_rates`` or
``blended_annual_demand_rate`` (monthly peak). Look-back (``demand_lookback_percent`` with
``demand_lookback_months`` or ``demand_lookback_range``) and coincident peaks
(``coincident_peak_load_active_time_steps``, 1-based, with ``coincident_peak_load_charge_per_kw``)
apply to either. Keys that need a lookup we do not do, or that change the tariff in ways we do
not model, are refused by name rather than ignored.

Deviation from REopt.jl, on purpose: REopt rounds ``rate + adj`` to 6 decimals, bills a $/day fixed
charge as x 30.4375 per month and uses an energy tier's ``max`` as the tier's own width; we follow
the URDB documentation (unrounded sum, days the month covers, cumulative ``max``), as NREL SAM does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import InputError, InputErrors
from .model import CoincidentPeak, Tariff
from .urdb import is_number

SUPPORTED = (
    "urdb_response", "urdb_label", "blended_annual_energy_rate", "blended_annual_demand_rate",
    "monthly_energy_rates", "monthly_demand_rates", "tou_energy_rates_per_kwh", "wholesale_rate",
    "demand_lookback_percent", "demand_lookback_months", "demand_lookback_range",
    "coincident_peak_load_active_time_steps", "coincident_peak_load_charge_per_kw",
)
_REFUSED = {
    "urdb_utility_name": "a URDB search by utility name (give urdb_response or urdb_label)",
    "urdb_rate_name": "a URDB search by rate name (give urdb_response or urdb_label)",
    "add_monthly_rates_to_urdb_rate": "adding simple rates to a URDB rate",
    "add_tou_energy_rates_to_urdb_rate": "adding simple rates to a URDB rate",
    "remove_tiers": "removing tiers from a rate",
    "export_rate_beyond_net_metering_limit": "net-metering limits (an ElectricUtility setting)",
    "tou_energy_rates_per_kwh_export": "export rate series",
}


def tariff_from_reopt(block: Mapping[str, Any], field: str = "ElectricTariff") -> Tariff:
    """Build a :class:`Tariff` from a REopt ``ElectricTariff`` dict (see the module docstring)."""
    if not isinstance(block, Mapping):
        raise InputError(field, block, "an object with REopt ElectricTariff fields")
    errors = [InputError(f"{field}.{k}", block[k], "a supported ElectricTariff field",
                         detail=f"{_REFUSED[k]} is not supported") for k in block if k in _REFUSED]
    errors += [InputError(f"{field}.{k}", block[k], "one of " + ", ".join(SUPPORTED))
               for k in block if k not in SUPPORTED and k not in _REFUSED]
    if errors:
        raise InputErrors(errors)

    lookback = _lookback(block, field)
    coincident = _coincident(block, field)
    if block.get("urdb_response") is not None:
        tariff = Tariff.from_urdb(block["urdb_response"], f"{field}.urdb_response")
    elif block.get("urdb_label"):
        from .openei import fetch_rate

        tariff = Tariff.from_urdb(fetch_rate(block["urdb_label"]), f"{field}.urdb_label")
    else:
        energy: Any = 0.0
        for key, size in (("tou_energy_rates_per_kwh", None), ("monthly_energy_rates", 12),
                          ("blended_annual_energy_rate", 0)):
            if block.get(key) is not None:
                energy = _numbers(block[key], f"{field}.{key}", size)
                break
        demand: Any = 0.0
        for key, size in (("monthly_demand_rates", 12), ("blended_annual_demand_rate", 0)):
            if block.get(key) is not None:
                demand = _numbers(block[key], f"{field}.{key}", size, minimum=0.0)
                break
        wholesale = _numbers(block.get("wholesale_rate", 0.0), f"{field}.wholesale_rate", 0, minimum=0.0)
        return Tariff.simple(energy, demand, export_rate=float(wholesale), coincident=coincident,
                             name="REopt simple rate", **lookback)
    changes: dict[str, Any] = {}
    if lookback:
        changes.update(lookback_percent=lookback["lookback_percent"],
                       lookback_months=np.array(lookback.get("lookback_months") or [True] * 12, dtype=bool),
                       lookback_range=lookback.get("lookback_range", 0))
    if coincident:
        changes["coincident"] = coincident
    return tariff.with_options(**changes) if changes else tariff


def _numbers(value: Any, field: str, size: int | None, minimum: float | None = None) -> Any:
    """A number (size 0), a list of ``size`` numbers, or (size None) a list of hourly/step values."""
    if size == 0:
        if not is_number(value) or (minimum is not None and value < minimum):
            raise InputError(field, value, "a number" + (f" >= {minimum:g}" if minimum is not None else ""))
        return float(value)
    if not isinstance(value, list) or (size is not None and len(value) != size) \
            or not all(is_number(v) for v in value):
        raise InputError(field, value, f"a list of {size or '8760 (or one per step)'} numbers")
    if minimum is not None and min(value) < minimum:
        raise InputError(field, min(value), f"numbers >= {minimum:g}")
    return np.array(value, dtype=float)


def _lookback(block: Mapping[str, Any], field: str) -> dict[str, Any]:
    percent = block.get("demand_lookback_percent")
    if not percent:
        return {}
    if not is_number(percent) or not 0 < percent <= 1:
        raise InputError(f"{field}.demand_lookback_percent", percent, "a fraction from 0 to 1")
    months, rng = block.get("demand_lookback_months"), block.get("demand_lookback_range", 0)
    if months and rng:
        raise InputError(f"{field}.demand_lookback_range", rng,
                         "0 when demand_lookback_months is given (use one or the other)")
    out: dict[str, Any] = {"lookback_percent": float(percent)}
    if rng:
        if isinstance(rng, bool) or not isinstance(rng, int) or not 0 < rng <= 11:
            raise InputError(f"{field}.demand_lookback_range", rng, "a whole number of months from 1 to 11")
        out["lookback_range"] = rng
    elif months:
        if not isinstance(months, list) or len(months) != 12 or any(x not in (0, 1) for x in months):
            raise InputError(f"{field}.demand_lookback_months", months, "12 flags (0/1), one per month")
        out["lookback_months"] = [bool(x) for x in months]
    return out


def _coincident(block: Mapping[str, Any], field: str) -> tuple[CoincidentPeak, ...]:
    steps = block.get("coincident_peak_load_active_time_steps")
    rates = block.get("coincident_peak_load_charge_per_kw")
    if not steps and not rates:
        return ()
    where = f"{field}.coincident_peak_load_active_time_steps"
    if is_number(rates):
        rates = [rates]
    if not isinstance(steps, list) or not steps or not isinstance(rates, list) or len(rates) != len(steps):
        raise InputError(where, steps, "a list of step lists, one per coincident_peak_load_charge_per_kw value")
    out = []
    for i, (group, rate) in enumerate(zip(steps, rates)):
        if not isinstance(group, list) or not group or not all(
                isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in group):
            raise InputError(f"{where}[{i}]", group, "a non-empty list of 1-based step numbers")
        if not is_number(rate) or rate < 0:
            raise InputError(f"{field}.coincident_peak_load_charge_per_kw[{i}]", rate, "a number of $/kW >= 0")
        out.append(CoincidentPeak(tuple(s - 1 for s in group), float(rate)))
    return tuple(out)


def year_one_outputs(b: Any, suffix: str = "") -> dict[str, Any]:
    """A :class:`~omf_der.tariff.Bill` under REopt's ``ElectricTariff`` result names.

    REopt reports year-one costs rounded to cents (the fixed cost to whole dollars) and the bill as
    the sum of the rounded parts; the same rounding is applied here so results compare one to one.
    ``suffix`` is ``"_bau"`` for the business-as-usual copy.
    """
    annual = b.annual
    energy = round(annual["energy_cost"], 2)
    demand = round(annual["demand_cost"] - annual["demand_cost_coincident"], 2)
    coincident = round(annual["demand_cost_coincident"], 2)
    fixed = round(annual["fixed_cost"], 0)
    minimum = round(annual["minimum_charge_adder"], 2)
    out = {
        "year_one_energy_cost_before_tax": energy,
        "year_one_demand_cost_before_tax": demand,
        "year_one_fixed_cost_before_tax": fixed,
        "year_one_min_charge_adder_before_tax": minimum,
        "year_one_coincident_peak_cost_before_tax": coincident,
        "year_one_bill_before_tax": round(energy + demand + fixed + minimum + coincident, 2),
        "year_one_export_benefit_before_tax": round(annual["export_credit"], 0),
        "monthly_energy_cost_series_before_tax": [float(x) for x in b.energy_cost],
        "monthly_facility_demand_cost_series_before_tax": [float(x) for x in b.demand_cost_flat],
        "monthly_tou_demand_cost_series_before_tax": [float(x) for x in b.demand_cost_tou],
        "monthly_demand_cost_series_before_tax": [float(x) for x in b.demand_cost_flat + b.demand_cost_tou],
        "monthly_fixed_cost_series_before_tax": [float(x) for x in b.fixed_cost],
    }
    return {k + suffix: v for k, v in out.items()}
