"""The member's economics of a program: the monthly cost comparison, costs and subsidies per
technology, the cash-flow projection, net present value and simple payback.

Every formula is written once, here. Money is in US dollars; "year 1" is the first year of the
program, "year 0" the day of enrollment.

Conventions and where they depart from the reference model (OMF ``derConsumer``, defects in
``reference/omf_derconsumer.md`` §12):

* **Bill savings** are the difference of two bills of the same tariff: the home's demand and the
  adjusted (net) load. Energy, demand and minimum-charge savings are the differences of those
  rows, so they add up to the difference of the totals exactly; every savings row of the table is
  a difference of two rows (the reference allocated demand savings with a factor that could drop
  them: D10).
* **Upfront** (year 0): the retrofit cost of every enabled device, the battery's included (D12),
  less the upfront subsidies of the enabled devices.
* **Subsidies** are paid for every enrolled (enabled) device, whether or not the dispatch used it
  in the year: the program pays for enrollment (the reference paid a device class only if the
  class's net output was non-zero, and paid all thermal devices if one of them moved: D17).
* **Year t = 1 ... P**: bill savings and fuel cost grow with the price escalation,
  ``x (1 + e)^(t-1)`` (default 0: every year repeats year 1), recurring subsidies are paid every
  month of every year, device upkeep is a yearly cost (ignored by the reference: D18).
* **Replacements** of a component with lifetime L fall in years L, 2L, ... before the end of the
  projection (the reference replaced in years L+1, 2L+1, ...: D13; a component whose life ends
  with the projection is not replaced, as in REopt). The battery's are priced on the member's
  share, the size that was modelled (the reference priced the full nameplate: D14).
* **NPV** = ``numpy_financial.npv(rate, [cf_0, cf_1, ..., cf_P])``: year 0 undiscounted, year t
  discounted by ``(1 + rate)^t`` (the reference did not discount year 1 and put the investment
  in it: D20).
* **Simple payback** = net upfront cost / year-1 net savings (savings less costs), in years;
  ``None`` ("never") when the year-1 net savings are not positive (the reference divided the
  investment by gross savings and printed NaN/Infinity: D19).
* **Per technology**, the same cash flow is built from each technology's own savings (sequential
  marginal bills, :func:`marginal_bill_savings`), subsidies and costs; the technologies' cash
  flows add up to the total, so their NPVs do too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy_financial as npf

from .tariff import Bill


# =========================================================================== bill savings
@dataclass(frozen=True)
class BillSavings:
    """Monthly savings (12 values, $) of one bill against another, by part of the bill."""

    energy_usd: np.ndarray      # energy charges less export credits
    demand_usd: np.ndarray      # TOU + flat + coincident-peak demand charges
    minimum_usd: np.ndarray     # minimum-charge top-ups
    fixed_usd: np.ndarray       # fixed charges (the same tariff: zero, kept for the identity)

    @property
    def total_usd(self) -> np.ndarray:
        return self.energy_usd + self.demand_usd + self.minimum_usd + self.fixed_usd

    @classmethod
    def zero(cls) -> BillSavings:
        z = np.zeros(12)
        return cls(z, z, z, z)

    def __add__(self, other: BillSavings) -> BillSavings:
        return BillSavings(self.energy_usd + other.energy_usd, self.demand_usd + other.demand_usd,
                           self.minimum_usd + other.minimum_usd, self.fixed_usd + other.fixed_usd)


def energy_charges(b: Bill) -> np.ndarray:
    """Monthly energy charges less export credits, $."""
    return b.energy_cost - b.export_credit


def bill_savings(before: Bill, after: Bill) -> BillSavings:
    """What changing the load from ``before``'s to ``after``'s saves, month by month."""
    return BillSavings(energy_usd=energy_charges(before) - energy_charges(after),
                       demand_usd=before.demand_cost - after.demand_cost,
                       minimum_usd=before.minimum_charge_adder - after.minimum_charge_adder,
                       fixed_usd=before.fixed_cost - after.fixed_cost)


def marginal_bill_savings(bills: Sequence[Bill], names: Sequence[str]) -> dict[str, BillSavings]:
    """Savings of each step of a sequence of bills: ``bills[0]`` is the home's bill, ``bills[i]`` the
    bill after the technologies ``names[:i]`` act (in dispatch order). The parts telescope: their
    sum is the savings of ``bills[-1]`` against ``bills[0]``."""
    if len(bills) != len(names) + 1:
        raise ValueError("one bill more than names")
    return {name: bill_savings(bills[i], bills[i + 1]) for i, name in enumerate(names)}


# =========================================================================== costs and subsidies
@dataclass(frozen=True)
class Replacement:
    """A component replaced every ``lifetime_years`` at ``cost_usd`` each time."""

    cost_usd: float
    lifetime_years: int


def replacement_years(lifetime_years: int, projection_years: int) -> np.ndarray:
    """Years L, 2L, ... strictly before the end of the projection (empty for L <= 0)."""
    if lifetime_years <= 0:
        return np.zeros(0, dtype=int)
    return np.arange(lifetime_years, projection_years, lifetime_years, dtype=int)


@dataclass(frozen=True)
class Technology:
    """One technology's money, year 1 (12 monthly values) and beyond.

    ``bill`` is its share of the bill savings; ``subsidies_usd`` the recurring subsidies paid each
    month; ``costs_usd`` its recurring costs each month of year 1 (fuel, upkeep), with
    ``fuel_usd`` the escalating part; upfront cost and subsidy fall in year 0.
    """

    bill: BillSavings
    subsidies_usd: np.ndarray = field(default_factory=lambda: np.zeros(12))
    fuel_usd: np.ndarray = field(default_factory=lambda: np.zeros(12))
    upkeep_usd: np.ndarray = field(default_factory=lambda: np.zeros(12))
    upfront_cost_usd: float = 0.0
    upfront_subsidy_usd: float = 0.0
    replacements: tuple[Replacement, ...] = ()

    @property
    def costs_usd(self) -> np.ndarray:
        return self.fuel_usd + self.upkeep_usd

    @property
    def savings_usd(self) -> np.ndarray:
        """Monthly year-1 savings: bill savings + recurring subsidies."""
        return self.bill.total_usd + self.subsidies_usd

    @property
    def net_usd(self) -> np.ndarray:
        return self.savings_usd - self.costs_usd

    def year_one(self) -> dict[str, float]:
        """Year-1 totals: energy, demand, minimum-charge and bill savings, subsidies, costs, net."""
        b = self.bill
        return {"energy_savings_usd": float(b.energy_usd.sum()), "demand_savings_usd": float(b.demand_usd.sum()),
                "minimum_charge_savings_usd": float(b.minimum_usd.sum()),
                "bill_savings_usd": float(b.total_usd.sum()), "subsidies_usd": float(self.subsidies_usd.sum()),
                "fuel_cost_usd": float(self.fuel_usd.sum()), "upkeep_cost_usd": float(self.upkeep_usd.sum()),
                "costs_usd": float(self.costs_usd.sum()), "net_savings_usd": float(self.net_usd.sum()),
                "upfront_cost_usd": self.upfront_cost_usd, "upfront_subsidy_usd": self.upfront_subsidy_usd}


def total(techs: Mapping[str, Technology]) -> Technology:
    """All technologies together (their sum)."""
    out = Technology(BillSavings.zero())
    for t in techs.values():
        out = Technology(out.bill + t.bill, out.subsidies_usd + t.subsidies_usd, out.fuel_usd + t.fuel_usd,
                         out.upkeep_usd + t.upkeep_usd, out.upfront_cost_usd + t.upfront_cost_usd,
                         out.upfront_subsidy_usd + t.upfront_subsidy_usd, out.replacements + t.replacements)
    return out


# =========================================================================== cash flow
@dataclass(frozen=True)
class CashFlow:
    """Yearly cash flow of years 0 ... P ($; savings and costs both >= 0 by convention)."""

    years: np.ndarray
    savings_usd: np.ndarray        # bill savings + subsidies (year 0: upfront subsidies)
    costs_usd: np.ndarray          # fuel, upkeep, replacements (year 0: upfront costs)
    discount_rate: float
    payback_years: float | None    # simple payback; None = never

    @property
    def net_usd(self) -> np.ndarray:
        return self.savings_usd - self.costs_usd

    @property
    def cumulative_usd(self) -> np.ndarray:
        return np.cumsum(self.net_usd)

    @property
    def npv_usd(self) -> float:
        return float(npf.npv(self.discount_rate, self.net_usd))

    def to_dict(self) -> dict:
        return {"years": self.years.tolist(), "savings_usd": self.savings_usd.tolist(),
                "costs_usd": self.costs_usd.tolist(), "net_usd": self.net_usd.tolist(),
                "cumulative_usd": self.cumulative_usd.tolist(), "discount_rate": self.discount_rate,
                "npv_usd": self.npv_usd, "simple_payback_years": self.payback_years}


def simple_payback(net_upfront_usd: float, year_one_net_usd: float) -> float | None:
    """Years until the year-1 net savings repay the net upfront cost; None ("never") when they are
    not positive, 0 when nothing is owed upfront."""
    if not year_one_net_usd > 0:
        return None
    return max(net_upfront_usd, 0.0) / year_one_net_usd


def cash_flow(tech: Technology, projection_years: int, discount_rate: float, escalation: float = 0.0) -> CashFlow:
    """The cash flow of years 0 ... ``projection_years`` (module docstring).

    ``discount_rate`` and ``escalation`` are fractions per year (0.01 = 1 %).
    """
    years = np.arange(projection_years + 1)
    growth = np.concatenate([[0.0], (1.0 + escalation) ** (years[1:] - 1.0)])
    flat = (years > 0).astype(float)
    savings = tech.bill.total_usd.sum() * growth + tech.subsidies_usd.sum() * flat
    costs = tech.fuel_usd.sum() * growth + tech.upkeep_usd.sum() * flat
    for r in tech.replacements:
        costs[replacement_years(r.lifetime_years, projection_years)] += r.cost_usd
    savings[0] = tech.upfront_subsidy_usd
    costs[0] = tech.upfront_cost_usd
    payback = simple_payback(tech.upfront_cost_usd - tech.upfront_subsidy_usd, float(tech.net_usd.sum()))
    return CashFlow(years, savings, costs, discount_rate, payback)


# =========================================================================== the monthly table
#: (key, label, unit) of the Monthly Cost Comparison rows, in display order. Rows marked optional
#: are shown only when they are not all zero (minimum charges, upkeep).
TABLE_ROWS: tuple[tuple[str, str, bool], ...] = (
    ("peak_kw", "Peak Demand (kW)", False),
    ("adjusted_peak_kw", "Adjusted Peak Demand (kW)", False),
    ("energy_kwh", "Energy (kWh)", False),
    ("adjusted_energy_kwh", "Adjusted Energy (kWh)", False),
    ("energy_cost_usd", "Energy Cost ($)", False),
    ("adjusted_energy_cost_usd", "Adjusted Energy Cost ($)", False),
    ("energy_savings_usd", "Energy Cost Savings ($)", False),
    ("demand_cost_usd", "Demand Charge ($)", False),
    ("adjusted_demand_cost_usd", "Adjusted Demand Charge ($)", False),
    ("demand_savings_usd", "Demand Cost Savings ($)", False),
    ("minimum_charge_usd", "Minimum-Charge Top-up ($)", True),
    ("adjusted_minimum_charge_usd", "Adjusted Minimum-Charge Top-up ($)", True),
    ("minimum_charge_savings_usd", "Minimum-Charge Savings ($)", True),
    ("fixed_cost_usd", "Fixed Charges ($)", False),
    ("total_cost_usd", "Total Cost of Service ($)", False),
    ("adjusted_total_cost_usd", "Adjusted Total Cost of Service ($)", False),
    ("subsidies_usd", "Utility Subsidies Paid ($)", False),
    ("fuel_cost_usd", "Generator Fuel Cost ($)", False),
    ("upkeep_cost_usd", "Device Upkeep Cost ($)", True),
    ("total_savings_usd", "Total Consumer Savings ($)", False),
    ("total_costs_usd", "Total Consumer Costs ($)", False),
    ("net_savings_usd", "Net Consumer Savings ($)", False),
)
#: rows whose annual value is the year's maximum, not the sum
PEAK_ROWS = ("peak_kw", "adjusted_peak_kw")


def monthly_table(base: Bill, adjusted: Bill, program: Technology) -> dict[str, np.ndarray]:
    """The Monthly Cost Comparison: 12 monthly values per row of :data:`TABLE_ROWS`.

    Identities (exact): each savings row = row - adjusted row; total cost of service = energy +
    demand + minimum-charge top-up + fixed; total consumer savings = energy + demand +
    minimum-charge savings + subsidies; net = savings - costs. ``program`` carries the
    subsidies and costs; its bill savings are not used (the rows are recomputed from the bills).
    """
    s = bill_savings(base, adjusted)
    rows = {
        "peak_kw": base.peak_kw, "adjusted_peak_kw": adjusted.peak_kw,
        "energy_kwh": base.energy_kwh, "adjusted_energy_kwh": adjusted.energy_kwh,
        "energy_cost_usd": energy_charges(base), "adjusted_energy_cost_usd": energy_charges(adjusted),
        "energy_savings_usd": s.energy_usd,
        "demand_cost_usd": base.demand_cost, "adjusted_demand_cost_usd": adjusted.demand_cost,
        "demand_savings_usd": s.demand_usd,
        "minimum_charge_usd": base.minimum_charge_adder, "adjusted_minimum_charge_usd": adjusted.minimum_charge_adder,
        "minimum_charge_savings_usd": s.minimum_usd,
        "fixed_cost_usd": base.fixed_cost,
        "total_cost_usd": base.total_cost, "adjusted_total_cost_usd": adjusted.total_cost,
        "subsidies_usd": program.subsidies_usd, "fuel_cost_usd": program.fuel_usd,
        "upkeep_cost_usd": program.upkeep_usd,
    }
    rows["total_savings_usd"] = s.energy_usd + s.demand_usd + s.minimum_usd + program.subsidies_usd
    rows["total_costs_usd"] = program.fuel_usd + program.upkeep_usd
    rows["net_savings_usd"] = rows["total_savings_usd"] - rows["total_costs_usd"]
    return {k: np.asarray(v, dtype=float) for k, v in rows.items()}


def table_to_dict(rows: Mapping[str, np.ndarray]) -> list[dict]:
    """The table as JSON-ready rows: key, label, optional flag, 12 monthly values and the annual one."""
    out = []
    for key, label, optional in TABLE_ROWS:
        values = rows[key]
        annual = float(values.max()) if key in PEAK_ROWS else float(values.sum())
        out.append({"key": key, "label": label, "optional": optional,
                    "monthly": [float(v) for v in values], "annual": annual})
    return out
