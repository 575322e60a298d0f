"""Life-cycle factors of the objective: present-worth factors and after-tax unit capital costs.

Formulas of REopt.jl restated in ``reopt_core.md`` §9, with REopt's rounding (annuities to 5
decimals, effective costs to 4) so that life-cycle costs compare one to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .defaults import MACRS_SCHEDULES


def annuity(years: int, escalation: float, discount: float) -> float:
    """Present worth of 1 $/yr escalating at ``escalation`` from year 1, discounted at ``discount``.

    ``x (1 - x**N) / (1 - x)`` with ``x = (1 + e) / (1 + d)`` (``N`` when ``x = 1``), rounded to 5
    decimals as REopt. End-of-year convention: year 1's amount is discounted once.
    """
    x = (1.0 + escalation) / (1.0 + discount)
    value = float(years) if x == 1.0 else x * (1.0 - x ** years) / (1.0 - x)
    return round(value, 5)


@dataclass(frozen=True)
class Factors:
    """Present-worth factors of one scenario (REopt names in the docstring of each)."""

    years: int
    pwf_e: float        # electricity bill
    pwf_om: float       # O&M (owner)
    pwf_fuel: float     # generator fuel (offtaker)
    tax_offtaker: float
    tax_owner: float
    third_party_factor: float
    discount_owner: float

    @classmethod
    def of(cls, financial: dict[str, Any]) -> Factors:
        n = financial["analysis_years"]
        d_off, d_own = financial["offtaker_discount_rate_fraction"], financial["owner_discount_rate_fraction"]
        t_off, t_own = financial["offtaker_tax_rate_fraction"], financial["owner_tax_rate_fraction"]
        tp = 1.0
        if financial["third_party_ownership"]:
            tp = (annuity(n, 0.0, d_off) * (1 - t_off)) / (annuity(n, 0.0, d_own) * (1 - t_own))
        return cls(years=n,
                   pwf_e=annuity(n, financial["elec_cost_escalation_rate_fraction"], d_off),
                   pwf_om=annuity(n, financial["om_cost_escalation_rate_fraction"], d_own),
                   pwf_fuel=annuity(n, financial["generator_fuel_cost_escalation_rate_fraction"], d_off),
                   tax_offtaker=t_off, tax_owner=t_own, third_party_factor=tp, discount_owner=d_own)


def effective_cost(cost: float, *, years: int, tax: float, discount: float, macrs_years: int = 0,
                   macrs_bonus: float = 0.0, macrs_itc_reduction: float = 0.0, itc: float = 0.0,
                   replacement_cost: float = 0.0, replacement_year: int = 0, rebate: float = 0.0) -> float:
    """Net present, after-tax cost of one unit (kW, kWh or the whole system) bought in year 0.

    Installed ``cost`` less the present value of the ITC and of MACRS depreciation tax savings
    (with bonus depreciation and the ITC basis reduction), plus an after-tax replacement in
    ``replacement_year`` when that is before the end of the analysis, less a rebate; never below
    zero; rounded to 4 decimals (REopt ``effective_cost``, spec §9.3).
    """
    schedule = MACRS_SCHEDULES[macrs_years]
    basis = cost * (1.0 - macrs_itc_reduction * itc)
    bonus = macrs_bonus * basis if schedule else 0.0
    depreciable = basis - bonus
    savings = [tax * (m * depreciable) for m in schedule] or [0.0]
    savings[0] += tax * bonus + itc * cost
    present = sum(s / (1.0 + discount) ** (j + 1) for j, s in enumerate(savings))
    value = cost - present
    if 0 < replacement_year < years:
        value += replacement_cost * (1.0 - tax) / (1.0 + discount) ** replacement_year
    return round(max(0.0, value - rebate), 4)


def levelization_factor(years: int, escalation: float, discount: float, degradation: float,
                        pwf_e: float) -> float:
    """Average-year share of PV production over the analysis (REopt, spec §9.2).

    ``sum_y ((1 + e) / (1 + d))**y (1 - g)**(y - 1) / pwf_e`` for y = 1..N.
    """
    x = (1.0 + escalation) / (1.0 + discount)
    total = sum(x ** y * (1.0 - degradation) ** (y - 1) for y in range(1, years + 1))
    return total / pwf_e
