"""The bill dictionary shared by the reference formulations, and how two bills are compared.

Reference source for the shape and the tolerance: ``../shared/reference/bill_cases/README.md``
(a value matches when ``|actual - expected| <= max(0.01, 1e-6 * max(|actual|, |expected|))``).
"""

from __future__ import annotations

from collections.abc import Iterator

MONTHLY_KEYS = ("energy_kwh", "peak_kw", "energy_cost", "demand_cost_tou", "demand_cost_flat",
                "fixed_cost", "minimum_charge_adder", "total_cost")
ANNUAL_KEYS = ("energy_kwh", "energy_cost", "demand_cost", "fixed_cost", "total_cost")
# the charges a minimum charge tops up, and all the parts of the total
CHARGES = ("energy_cost", "demand_cost_tou", "demand_cost_flat", "fixed_cost")
COST_COMPONENTS = CHARGES + ("minimum_charge_adder",)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

ABS_TOL = 0.01
REL_TOL = 1e-6


def bill_dict(monthly: dict) -> dict:
    """Complete a bill from its monthly components: the monthly total and the annual sums.

    Parameters
    ----------
    monthly : dict
        Twelve numbers for each of ``energy_kwh, peak_kw, energy_cost, demand_cost_tou,
        demand_cost_flat, fixed_cost, minimum_charge_adder``.

    Returns
    -------
    dict
        ``{"monthly": {key: [12 floats] for key in MONTHLY_KEYS}, "annual": {key: float for key
        in ANNUAL_KEYS}}``; ``total_cost`` is the sum of :data:`COST_COMPONENTS`, the annual
        ``demand_cost`` is TOU plus flat demand.
    """
    out = {name: [float(monthly[name][m]) for m in range(12)] for name in MONTHLY_KEYS[:-1]}
    out["total_cost"] = [sum(out[c][m] for c in COST_COMPONENTS) for m in range(12)]
    annual = {
        "energy_kwh": sum(out["energy_kwh"]),
        "energy_cost": sum(out["energy_cost"]),
        "demand_cost": sum(out["demand_cost_tou"]) + sum(out["demand_cost_flat"]),
        "fixed_cost": sum(out["fixed_cost"]),
        "total_cost": sum(out["total_cost"]),
    }
    return {"monthly": out, "annual": annual}


def close(actual: float, expected: float, abs_tol: float = ABS_TOL, rel: float = REL_TOL) -> bool:
    """The README's match rule: ``|a - e| <= max(abs_tol, rel * max(|a|, |e|))``."""
    return abs(actual - expected) <= max(abs_tol, rel * max(abs(actual), abs(expected)))


def mismatches(actual: dict, expected: dict, abs_tol: float = ABS_TOL,
               rel: float = REL_TOL) -> Iterator[str]:
    """Every value of ``actual`` that does not match ``expected``, as a readable line.

    Parameters
    ----------
    actual, expected : dict
        Bills in the shape of :func:`bill_dict` (``expected`` may carry more keys).
    abs_tol, rel : float, optional
        Tolerance, see :func:`close`.

    Yields
    ------
    str
        ``"<month or annual> <component>: ours <actual>, reference <expected>"``.
    """
    for name in MONTHLY_KEYS:
        for m in range(12):
            a, e = actual["monthly"][name][m], expected["monthly"][name][m]
            if not close(a, e, abs_tol, rel):
                yield f"{MONTHS[m]} {name}: ours {a:.6f}, reference {e:.6f}"
    for name in ANNUAL_KEYS:
        a, e = actual["annual"][name], expected["annual"][name]
        if not close(a, e, abs_tol, rel):
            yield f"annual {name}: ours {a:.6f}, reference {e:.6f}"


def assert_bills_match(actual: dict, expected: dict, **tol: float) -> None:
    """Fail with every mismatching value listed (see :func:`mismatches`)."""
    bad = list(mismatches(actual, expected, **tol))
    assert not bad, f"{len(bad)} values differ:\n" + "\n".join(bad)
