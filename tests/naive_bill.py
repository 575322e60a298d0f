"""A deliberately simple second bill formulation: one Python loop over the time steps.

Reference sources:

* URDB field meanings: OpenEI Utility Rate Database API documentation, version 8
  (https://openei.org/services/doc/rest/util_rates/?version=8): ``energyratestructure`` /
  ``demandratestructure`` / ``flatdemandstructure`` are lists of periods, each a list of tiers
  ``{"rate", "adj", "max"}`` where ``max`` is the tier's cumulative upper limit; the 12 x 24
  schedules hold 0-based period indices by month and hour of day; ``flatdemandmonths`` is the
  flat-demand period of each month; ``fixedchargefirstmeter``/``fixedchargeunits`` (and the
  older ``fixedmonthlycharge``, $/month) and ``mincharge``/``minchargeunits``.
* Tiered TOU energy (tiers on the month's total kWh, the tier mix shared by the periods in
  proportion to their kWh), the monthly minimum topping up energy + demand + fixed, and the
  annual minimum topping up December: NREL SAM ``Utilityrate5`` (see ``pysam_ref.py``).
* Calendar: ``omf_der.calendar`` module docstring (8760 hours; a leap year keeps Feb 29 and
  drops Dec 31; weekdays from the real calendar, no holidays) -- re-derived here with
  :mod:`datetime`, one step at a time, on purpose without numpy.

Export is out of scope: loads must be non-negative.
"""

from __future__ import annotations

import datetime as dt
import math

from bill_shape import CHARGES, COST_COMPONENTS, bill_dict


def _price(tier: dict) -> float:
    """$ per unit of a URDB tier: ``rate + adj`` (either may be absent)."""
    return float(tier.get("rate") or 0.0) + float(tier.get("adj") or 0.0)


def _tier_bounds(tiers: list[dict]) -> list[tuple[float, float, float]]:
    """``(lower, upper, price)`` of each tier; ``max`` is the cumulative upper limit."""
    bounds, lower = [], 0.0
    for tier in tiers:
        upper = float(tier["max"]) if tier.get("max") is not None else math.inf
        bounds.append((lower, upper, _price(tier)))
        lower = upper
    return bounds


def tiered_charge(quantity: float, tiers: list[dict]) -> float:
    """Charge for ``quantity`` (kWh or kW) billed through cumulative tiers.

    Parameters
    ----------
    quantity : float
        Amount billed (non-negative).
    tiers : list of dict
        URDB tiers of one period.

    Returns
    -------
    float
        Sum over tiers of (the part of ``quantity`` between the tier's bounds) x price.
    """
    return sum(max(0.0, min(quantity, upper) - lower) * price
               for lower, upper, price in _tier_bounds(tiers))


def _tou_energy_charge(kwh_by_period: dict[int, float], structure: list[list[dict]]) -> float:
    """Energy charge of one month: tiers on the month's total kWh, shared out in proportion.

    Each period's kWh pays the tier mix of the month's total: for tier ``t`` of period ``p``,
    ``kwh_p / total * (part of total in tier t) * price_p,t``.  SAM requires the tier limits of
    the periods used in one month to agree, so using each period's own limits is the same.
    """
    total = sum(kwh_by_period.values())
    if total <= 0.0:
        return 0.0
    charge = 0.0
    for period, kwh in kwh_by_period.items():
        for lower, upper, price in _tier_bounds(structure[period]):
            charge += kwh / total * max(0.0, min(total, upper) - lower) * price
    return charge


def step_times(year: int, steps_per_hour: int) -> list[dt.datetime]:
    """Start of every time step of ``year``: Jan 1 00:00 + i x (60 / steps_per_hour) minutes.

    The series always has 8760 hours, so a leap year keeps Feb 29 and ends on Dec 30.
    """
    start = dt.datetime(year, 1, 1)
    minutes = 60 // steps_per_hour
    return [start + dt.timedelta(minutes=i * minutes) for i in range(8760 * steps_per_hour)]


def _monthly_charge(rate: dict, amount_key: str, units_key: str, days: int) -> tuple[float, float]:
    """A fixed or minimum charge as ``($ for this month, $ per year)`` from its URDB units.

    ``$/month`` (the default) as is, ``$/day`` x the days of the month; ``$/year`` is returned
    as a yearly amount (the caller spreads or applies it).
    """
    amount = float(rate.get(amount_key) or 0.0)
    units = rate.get(units_key) or "$/month"
    if units == "$/month":
        return amount, 0.0
    if units == "$/day":
        return amount * days, 0.0
    if units == "$/year":
        return 0.0, amount
    raise ValueError(f"{units_key}: unknown units {units!r}")


def naive_bill(rate: dict, load_kw, year: int, steps_per_hour: int = 1) -> dict:
    """Monthly bill of ``load_kw`` under the URDB ``rate`` in calendar ``year``.

    Parameters
    ----------
    rate : dict
        URDB rate record.  Supported: tiered TOU energy, tiered TOU demand, tiered flat demand
        by month, fixed and minimum charges in ``$/month``, ``$/day`` or ``$/year``.
    load_kw : sequence of float
        Non-negative average kW of each step, ``8760 * steps_per_hour`` values.
    year : int
        Calendar year (any, leap years included).
    steps_per_hour : int, optional
        1, 2 or 4.

    Returns
    -------
    dict
        The bill in the shape of :func:`bill_shape.bill_dict`.
    """
    times = step_times(year, steps_per_hour)
    if len(load_kw) != len(times):
        raise ValueError(f"expected {len(times)} load values, got {len(load_kw)}")
    hours_per_step = 1.0 / steps_per_hour

    # --- one pass over the steps: kWh per energy period, peak kW per demand period, days
    energy_kwh = [0.0] * 12
    peak_kw = [0.0] * 12
    kwh_by_period: list[dict[int, float]] = [{} for _ in range(12)]
    peak_by_period: list[dict[int, float]] = [{} for _ in range(12)]
    dates: list[set[dt.date]] = [set() for _ in range(12)]
    has_tou_demand = "demandratestructure" in rate
    for when, kw in zip(times, load_kw):
        kw = float(kw)
        if kw < 0.0:
            raise ValueError("naive_bill bills purchases only: load must be non-negative")
        m, h = when.month - 1, when.hour
        weekend = when.weekday() >= 5  # Saturday, Sunday
        dates[m].add(when.date())
        energy_kwh[m] += kw * hours_per_step
        peak_kw[m] = max(peak_kw[m], kw)
        p = rate["energyweekendschedule" if weekend else "energyweekdayschedule"][m][h]
        kwh_by_period[m][p] = kwh_by_period[m].get(p, 0.0) + kw * hours_per_step
        if has_tou_demand:
            d = rate["demandweekendschedule" if weekend else "demandweekdayschedule"][m][h]
            peak_by_period[m][d] = max(peak_by_period[m].get(d, 0.0), kw)

    # --- charges month by month
    monthly = {key: [0.0] * 12 for key in COST_COMPONENTS}
    monthly["energy_kwh"], monthly["peak_kw"] = energy_kwh, peak_kw
    annual_minimum = 0.0
    for m in range(12):
        days = len(dates[m])
        monthly["energy_cost"][m] = _tou_energy_charge(kwh_by_period[m], rate["energyratestructure"])
        if has_tou_demand:
            monthly["demand_cost_tou"][m] = sum(
                tiered_charge(kw, rate["demandratestructure"][d]) for d, kw in peak_by_period[m].items())
        if "flatdemandstructure" in rate:
            tiers = rate["flatdemandstructure"][rate["flatdemandmonths"][m]]
            monthly["demand_cost_flat"][m] = tiered_charge(peak_kw[m], tiers)
        if rate.get("fixedchargefirstmeter") is not None:
            fixed, fixed_per_year = _monthly_charge(rate, "fixedchargefirstmeter", "fixedchargeunits", days)
            monthly["fixed_cost"][m] = fixed + fixed_per_year / 12
        else:  # older URDB field, $/month
            monthly["fixed_cost"][m] = float(rate.get("fixedmonthlycharge") or 0.0)
        minimum, annual_minimum = _monthly_charge(rate, "mincharge", "minchargeunits", days)
        billed = sum(monthly[c][m] for c in CHARGES)
        monthly["minimum_charge_adder"][m] = max(0.0, minimum - billed)

    # an annual minimum ($/year; then there is no monthly one) tops up the year in December
    year_billed = sum(sum(monthly[c]) for c in CHARGES)
    monthly["minimum_charge_adder"][11] += max(0.0, annual_minimum - year_billed)
    return bill_dict(monthly)
