"""URDB rate records: unwrapping API responses and checking their structure.

A URDB rate (OpenEI Utility Rate Database, API v3/v7/v8 field names) describes energy charges as
``energyratestructure`` — a list of *periods*, each a list of *tiers* ``{"rate", "adj", "max",
"unit"}`` — and two 12 x 24 schedules (``energyweekdayschedule``, ``energyweekendschedule``) of
0-based period indices per month and hour. Demand charges use the same layout with the
``demand...`` keys; ``flatdemandstructure`` with ``flatdemandmonths`` gives monthly demand charges.

This module checks that layout so a malformed upload is refused with a message naming the field.
"""

from __future__ import annotations

import math
from numbers import Real

from ..errors import InputError

_SCHEDULES = {
    "energyratestructure": ("energyweekdayschedule", "energyweekendschedule"),
    "demandratestructure": ("demandweekdayschedule", "demandweekendschedule"),
}
_TIER_NUMBERS = ("rate", "adj", "max", "sell")


def unwrap_urdb_response(doc: object) -> object:
    """The rate record inside an OpenEI API response (``{"items": [rate, ...]}``), else ``doc``."""
    if isinstance(doc, dict) and "items" in doc and "energyratestructure" not in doc:
        items = doc["items"]
        if isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict):
            return items[0]
    return doc


def _is_number(x: object) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(float(x))


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
        for t, tier in enumerate(period):
            if not isinstance(tier, dict):
                errors.append(InputError(f"{where}[{p}][{t}]", tier, 'a tier object like {"rate": 0.12}'))
                continue
            for name in _TIER_NUMBERS:
                if name in tier and tier[name] is not None and not _is_number(tier[name]):
                    errors.append(InputError(f"{where}[{p}][{t}].{name}", tier[name], "a finite number"))
            if _is_number(tier.get("max")) and tier["max"] < 0:
                errors.append(InputError(f"{where}[{p}][{t}].max", tier["max"], "a number >= 0"))
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
    if "flatdemandstructure" in rate:
        n, errs = _check_structure(rate, "flatdemandstructure", field)
        errors.extend(errs)
        months = rate.get("flatdemandmonths")
        if not isinstance(months, list) or len(months) != 12 or any(
                isinstance(p, bool) or not isinstance(p, int) or not 0 <= p < max(n, 1) for p in months):
            errors.append(InputError(f"{field}.flatdemandmonths", months,
                                     f"12 period numbers from 0 to {max(n - 1, 0)}, one per month"))
    return errors
