"""URDB rate records: unwrapping API responses and checking them before they are billed.

A URDB rate (OpenEI Utility Rate Database, API v3/v7/v8 field names) describes energy charges as
``energyratestructure`` — a list of *periods*, each a list of *tiers* ``{"rate", "adj", "max",
"unit"}`` — and two 12 x 24 schedules (``energyweekdayschedule``, ``energyweekendschedule``) of
0-based period indices per month and hour. Demand charges use the same layout with the
``demand...`` keys; ``flatdemandstructure`` with ``flatdemandmonths`` gives monthly demand charges.

:func:`validate_urdb_shape` checks that layout; :func:`urdb_problems` adds what we refuse to bill
(coincident-peak structures, demand in kVA, tier limits that differ within a month, ...). Every
consumer (input validation, :class:`~omf_der.tariff.Tariff`, the URDB cache) uses the latter, so a
malformed or unsupported upload is refused with a message naming the field.
"""

from __future__ import annotations

import calendar as _stdcal
import math
from numbers import Real

from ..errors import InputError

_SCHEDULES = {
    "energyratestructure": ("energyweekdayschedule", "energyweekendschedule"),
    "demandratestructure": ("demandweekdayschedule", "demandweekendschedule"),
}
_TIER_NUMBERS = ("rate", "adj", "max", "sell")
# tier units we bill: energy in kWh per month, demand in kW. URDB also has "kWh daily",
# "kWh/kW" (tiers that scale with demand) and "hp"/"kVA" demand; those are refused, not guessed.
_TIER_UNITS = {"energyratestructure": ("kWh",), "demandratestructure": ("kW",),
               "flatdemandstructure": ("kW",)}
CHARGE_UNITS = ("$/month", "$/day", "$/year")
NET_METERING_RULES = ("Net Metering",)
NET_BILLING_RULES = ("Net Billing Instantaneous", "Net Billing Hourly", "Buy All Sell All")

# URDB fields that change a bill but that we cannot bill from a rate record: refused by name.
_REFUSED_URDB = {
    "coincidentratestructure": "coincident-peak charges depend on the utility's system peak, which a "
                               "rate record does not give; pass coincident-peak time steps instead",
    "coincidentrateschedule": "coincident-peak charges (see coincidentratestructure)",
}
_DEMAND_UNIT_KEYS = ("demandrateunit", "flatdemandunit", "demandunits")

_CHARGES = (("fixedchargefirstmeter", "fixedchargeunits"), ("mincharge", "minchargeunits"))
#: bounds far beyond any real rate that keep every bill finite (a $1e308/day charge overflowed)
CHARGE_MAX_USD = 1e9
RATE_MAX_USD = 1e6


def unwrap_urdb_response(doc: object) -> object:
    """The rate record inside an OpenEI API response (``{"items": [rate, ...]}``), else ``doc``."""
    if isinstance(doc, dict) and "items" in doc and "energyratestructure" not in doc:
        items = doc["items"]
        if isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict):
            return items[0]
    return doc


def is_number(x: object) -> bool:
    if not isinstance(x, Real) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(float(x))
    except OverflowError:
        return False


def _check_structure(rate: dict, key: str, field: str) -> tuple[int, list[InputError]]:
    """Check a list-of-periods-of-tiers structure; returns (number of periods, errors)."""
    structure = rate[key]
    where = f"{field}.{key}"
    if not isinstance(structure, list) or not structure:
        return 0, [InputError(where, structure, "a non-empty list of periods, each a list of tiers")]
    errors: list[InputError] = []
    for p, period in enumerate(structure):
        if not isinstance(period, list) or not period:
            errors.append(InputError(f"{where}[{p}]", period, "a non-empty list of tiers"))
            continue
        previous_max = None
        for t, tier in enumerate(period):
            at = f"{where}[{p}][{t}]"
            if not isinstance(tier, dict):
                errors.append(InputError(at, tier, 'a tier object like {"rate": 0.12}'))
                continue
            for name in _TIER_NUMBERS:
                if name in tier and tier[name] is not None and not is_number(tier[name]):
                    errors.append(InputError(f"{at}.{name}", tier[name], "a finite number"))
            if not any(is_number(tier.get(k)) for k in ("rate", "adj")):
                errors.append(InputError(at, tier, 'a "rate" (and optionally "adj") in $ per unit'))
            elif not abs(sum(float(tier[k]) for k in ("rate", "adj") if is_number(tier.get(k)))) <= RATE_MAX_USD:
                errors.append(InputError(f"{at}.rate", tier.get("rate"),
                                         f"rate + adj from -{RATE_MAX_USD:,.0f} to {RATE_MAX_USD:,.0f} $ per unit"))
            elif key != "energyratestructure" and sum(
                    float(tier[k]) for k in ("rate", "adj") if is_number(tier.get(k))) < 0:
                errors.append(InputError(f"{at}.rate", tier.get("rate"), "rate + adj >= 0 $/kW",
                                         detail="a negative demand charge would pay for higher peaks"))
            unit = tier.get("unit")
            if unit is not None and unit not in _TIER_UNITS[key]:
                errors.append(InputError(f"{at}.unit", unit, " or ".join(_TIER_UNITS[key]) +
                                         " (other URDB tier units are not supported)"))
            top = tier.get("max")
            if top is None:
                if t != len(period) - 1:
                    errors.append(InputError(f"{at}.max", "missing", "a max on every tier but the last"))
            elif is_number(top):
                if top < 0 or (previous_max is not None and top <= previous_max):
                    errors.append(InputError(f"{at}.max", top, "a cumulative limit above the previous "
                                                               "tier's max (URDB: max is the tier's upper bound)"))
                previous_max = top
    return len(structure), errors


def _check_schedule(rate: dict, key: str, n_periods: int, field: str) -> list[InputError]:
    sched = rate.get(key)
    where = f"{field}.{key}"
    if sched is None:
        return [InputError(where, "missing", "a 12 x 24 list of period numbers (months x hours)")]
    if not isinstance(sched, list) or len(sched) != 12 or any(
            not isinstance(row, list) or len(row) != 24 for row in sched):
        return [InputError(where, sched, "12 rows (months) of 24 period numbers (hours)")]
    for m, row in enumerate(sched):
        for h, p in enumerate(row):
            if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p < n_periods:
                return [InputError(f"{where}[{m}][{h}]", p,
                                   f"a period number from 0 to {n_periods - 1} (0-based)")]
    return []


def validate_urdb_shape(rate: object, field: str = "tariff") -> list[InputError]:
    """All structural problems of a URDB rate record (an empty list when it is well formed)."""
    if not isinstance(rate, dict):
        return [InputError(field, rate, "a URDB rate record (a JSON object)")]
    errors: list[InputError] = []
    if "energyratestructure" not in rate:
        errors.append(InputError(f"{field}.energyratestructure", "missing",
                                 "energy rate periods (every URDB rate has energyratestructure)"))
    for key, schedules in _SCHEDULES.items():
        if key not in rate:
            continue
        n, errs = _check_structure(rate, key, field)
        errors.extend(errs)
        if n:
            for s in schedules:
                errors.extend(_check_schedule(rate, s, n, field))
    for amount, units in _CHARGES:
        if amount in rate and rate[amount] is not None:
            if not is_number(rate[amount]) or not 0 <= rate[amount] <= CHARGE_MAX_USD:
                errors.append(InputError(f"{field}.{amount}", rate[amount],
                                         f"a number of dollars from 0 to {CHARGE_MAX_USD:,.0f}"))
            if rate.get(units, "$/month") not in CHARGE_UNITS:
                errors.append(InputError(f"{field}.{units}", rate.get(units), "one of " + ", ".join(CHARGE_UNITS)))
    for key in ("fixedmonthlycharge", "minmonthlycharge", "annualmincharge"):  # older URDB names
        if rate.get(key) is not None and (not is_number(rate[key]) or not 0 <= rate[key] <= CHARGE_MAX_USD):
            errors.append(InputError(f"{field}.{key}", rate[key], f"a number of dollars from 0 to {CHARGE_MAX_USD:,.0f}"))
    if "flatdemandstructure" in rate:
        n, errs = _check_structure(rate, "flatdemandstructure", field)
        errors.extend(errs)
        months = rate.get("flatdemandmonths")
        if not isinstance(months, list) or len(months) != 12 or any(
                isinstance(p, bool) or not isinstance(p, int) or not 0 <= p < max(n, 1) for p in months):
            errors.append(InputError(f"{field}.flatdemandmonths", months,
                                     f"12 period numbers from 0 to {max(n - 1, 0)}, one per month"))
    return errors


def urdb_problems(rate: object, field: str = "tariff") -> list[InputError]:
    """Every reason :meth:`~omf_der.tariff.Tariff.from_urdb` refuses ``rate`` (empty when it can be billed).

    :func:`validate_urdb_shape` plus what we do not bill: refused features and units, look-back
    and net-metering fields, tier limits that differ between the periods of one month.
    """
    errors = validate_urdb_shape(rate, field)
    if isinstance(rate, dict):
        errors += _check_urdb_semantics(rate, field)
        if not errors:  # needs a well-formed structure
            errors += _check_energy_tier_limits(rate, field)
    return errors


def _check_urdb_semantics(rate: dict, field: str) -> list[InputError]:
    """Checks beyond the structure: refused features, units, look-back fields, tier limits per month."""
    errors: list[InputError] = []
    for key, why in _REFUSED_URDB.items():
        if rate.get(key):
            errors.append(InputError(f"{field}.{key}", rate[key], "no coincident-peak structure", detail=why))
    for key in _DEMAND_UNIT_KEYS:
        unit = rate.get(key)
        if unit not in (None, "", "kW"):
            errors.append(InputError(f"{field}.{key}", unit, "kW (demand in kVA or hp is not supported)"))
    percent = rate.get("lookbackpercent")
    if percent is not None and (not is_number(percent) or not 0 <= percent <= 1):
        errors.append(InputError(f"{field}.lookbackpercent", percent, "a fraction from 0 to 1 (0.35 = 35 %)"))
    months = rate.get("lookbackmonths")
    if months is not None and (not isinstance(months, list) or len(months) != 12
                               or any(x not in (0, 1, True, False) for x in months)):
        errors.append(InputError(f"{field}.lookbackmonths", months, "12 flags (0/1), one per month"))
    rng = rate.get("lookbackrange")
    if rng is not None and (isinstance(rng, bool) or not isinstance(rng, int) or not 0 <= rng <= 11):
        errors.append(InputError(f"{field}.lookbackrange", rng, "a whole number of months from 0 to 11"))
    rules = rate.get("dgrules")
    if rules is not None and rules not in NET_METERING_RULES + NET_BILLING_RULES:
        errors.append(InputError(f"{field}.dgrules", rules, "one of " + ", ".join(NET_METERING_RULES + NET_BILLING_RULES)))
    if rate.get("usenetmetering") is not None and not isinstance(rate["usenetmetering"], bool):
        errors.append(InputError(f"{field}.usenetmetering", rate["usenetmetering"], "true or false"))
    return errors


def _check_energy_tier_limits(rate: dict, field: str) -> list[InputError]:
    """Multi-tier energy periods that share a month must share their tier limits (tiers count the month)."""
    structure = rate["energyratestructure"]
    # the limits of a period: the max of every tier but the last (the last tier is unbounded)
    limits = [[float(t["max"]) for t in period[:-1]] for period in structure]
    week, weekend = rate["energyweekdayschedule"], rate["energyweekendschedule"]
    for m in range(12):
        periods = sorted(set(week[m]) | set(weekend[m]))
        tiered = [p for p in periods if len(structure[p]) > 1]
        for p in tiered[1:]:
            if limits[p] != limits[tiered[0]]:
                return [InputError(f"{field}.energyratestructure[{p}]",
                                   [t.get("max") for t in structure[p]],
                                   f"the same tier max values as period {tiered[0]} "
                                   f"({[t.get('max') for t in structure[tiered[0]]]})",
                                   detail=f"both periods occur in {_stdcal.month_name[m + 1]} and tiers "
                                          "count the month's total kWh")]
    return []
