"""The REopt-equivalent dispatch and sizing model, built as whole arrays (spec ``reopt_core.md``).

Notation (per time step h of length dt hours; all flows kW, all >= 0):

* ``grid`` G_h purchases; ``export_<tech>`` exports; ``<tech>_to_storage`` charging from a tech;
  ``grid_to_storage`` charging from the grid; ``discharge`` D_h; ``soc`` E_h (kWh, end of step h);
  ``gen`` P_h generator output; ``pv_curtail``; sizes ``storage_kw``, ``storage_kwh``,
  ``gen_kw``, ``pv_kw`` and the purchased parts ``gen_purchase_kw``, ``pv_purchase_kw``.
* Load balance: G + D - grid_to_storage + (P - gen_to_storage - export_gen)
  + (f l S_pv - pv_to_storage - export_pv - pv_curtail) = load.
* Storage (REopt): E_h = E_{h-1} + dt (eta_c x tech charging + eta_gc x grid charging - D / eta_d),
  E_0 = soc_init x kWh (or E_T with ``optimize_soc_init_fraction``), soc_min x kWh <= E <= kWh,
  charging + discharging <= kW, E_{h-1} + charging energy <= kWh, grid charging <= purchases; no
  charge/discharge binaries (losses make simultaneous charge and discharge unprofitable).
* Generator: P <= size; fuel (kWh of fuel) = dt (slope x P + intercept x size x on), on/off
  binaries only with a fuel intercept or a minimum turndown; annual fuel cap.
* The bill is the tariff engine's (:class:`~omf_der.tariff.TariffSeries`), the same arrays the
  bill is computed from (DESIGN decision 1):

  - energy: one tier -> price per step on G. Tiers -> kWh per (month, energy period) split into
    tier amounts Q, the month's tier widths cap sum over periods; binaries only for declining
    blocks. Where a month's periods have different tier premiums the allocation is REopt's (the
    optimiser may choose which period's kWh fill which tier) and the bill (SAM's tier mix) can
    differ: a warning says so.
  - net metering (URDB): with one tier, exports are credited at the step's price; with tiers the
    month-period's net kWh goes through the tiers and a net export is credited at the first-tier
    price, as the bill does (refused with declining blocks). As REopt, the year's net-metered
    exports cannot exceed its purchases. Otherwise exports earn ``export_rates``; where a sell rate
    beats the purchase price the optimiser may import and export in one step, which one net meter
    cannot do: the results then warn that the bill differs.
  - demand: one peak variable per demand group (TOU per month and period or per window, flat per
    month, coincident peak) >= every purchase in the group, split into tiers where the group
    is tiered (binaries only for declining tiers); a look-back ratchet raises flat groups to
    percent x the peaks of the look-back months.
  - fixed charges are a constant; minimum charges are exact per-month (and annual) adders.

* Objective: REopt's life-cycle cost (spec §4): bill x pwf_e (1 - offtaker tax), fuel x pwf_fuel
  (1 - offtaker tax), O&M x pwf_om (1 - owner tax), after-tax capital costs; minus the mean stored
  kWh when ``add_soc_incentive`` (a tie-breaker, not part of the LCC).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..tariff import TariffSeries
from ..tariff.model import tier_widths
from ..tariff.series import KIND_FLAT
from .financial import Factors, effective_cost, levelization_factor
from .lp import INF, Block, LinearProgram
from .scenario import Scenario, fuel_curve


@dataclass
class Terms:
    """Linear cost terms by component: ``{name: [(columns, coefficients)]}`` plus constants ($)."""

    parts: dict[str, list[tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)
    constants: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, cols, coefs) -> None:
        cols = np.atleast_1d(np.asarray(cols, dtype=np.int64))
        coefs = np.broadcast_to(np.asarray(coefs, dtype=float), cols.shape)
        self.parts.setdefault(name, []).append((cols, coefs))

    def constant(self, name: str, value: float) -> None:
        self.constants[name] = self.constants.get(name, 0.0) + float(value)

    def value(self, name: str, x: np.ndarray) -> float:
        total = self.constants.get(name, 0.0)
        for cols, coefs in self.parts.get(name, []):
            total += float(coefs @ x[cols])
        return total

    def names(self) -> list[str]:
        return sorted(set(self.parts) | set(self.constants))


@dataclass
class Model:
    """A built model: the program, its column blocks and the cost terms (year-one and life-cycle)."""

    scenario: Scenario
    series: TariffSeries
    factors: Factors
    lp: LinearProgram
    bill: Terms                 # year-one $ by bill component ("energy", "demand", "export", "fixed", "minimum")
    lifecycle: Terms            # life-cycle $ by LCC component (REopt Financial names)
    penalty: Terms              # objective terms outside the LCC
    warnings: list[str]
    levelization: float = 1.0
    fuel: tuple[np.ndarray, np.ndarray] | None = None   # generator fuel (units) = coefs @ x[cols]

    def col(self, name: str) -> Block | None:
        return self.lp.blocks.get(name)


def build(scenario: Scenario) -> Model:
    """Assemble the model of ``scenario`` (see the module docstring)."""
    return _Builder(scenario).build()


class _Builder:
    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.series = sc.tariff.on(sc.calendar, sc.settings["demand_method"])
        self.f = Factors.of(sc.financial)
        self.lp = LinearProgram()
        self.bill, self.lifecycle, self.penalty = Terms(), Terms(), Terms()
        self.warnings: list[str] = []
        self.n = sc.calendar.n_steps
        self.dt = sc.calendar.step_hours
        self.steps = np.arange(self.n)
        self.month = sc.calendar.month.astype(np.int64)
        # load-balance terms: (columns per step, coefficient) pairs, each of length n
        self.balance: list[tuple[np.ndarray, np.ndarray]] = []
        self.charging: list[np.ndarray] = []        # per-step columns charging the battery from techs
        self.exports: list[np.ndarray] = []         # per-step export columns
        self.levelization = 1.0
        self.monthly_terms: list[tuple] = []        # year-one bill terms by month (minimum charges)
        self.fuel: tuple[np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ driver
    def build(self) -> Model:
        lp = self.lp
        self.grid = lp.add_columns("grid", self.n)
        self.balance.append((self.grid.index, np.ones(self.n)))
        if self.sc.generator is not None:
            self._generator()
        if self.sc.pv is not None:
            self._pv()
        if self.sc.storage is not None:
            self._storage()
        self._load_balance()
        self._energy_charges()
        self._demand_charges()
        self._fixed_and_minimum()
        self._objective()
        return Model(self.sc, self.series, self.f, lp, self.bill, self.lifecycle, self.penalty,
                     self.warnings, self.levelization, self.fuel)

    def _export_allowed(self, tech: dict) -> bool:
        if self.series.net_metering:
            return bool(tech.get("can_net_meter"))
        return bool(tech.get("can_wholesale")) and bool(np.any(self.series.export_rates > 0))

    # ------------------------------------------------------------------ generator
    def _generator(self) -> None:
        g, lp, n = self.sc.generator, self.lp, self.n
        lo, hi = g["existing_kw"] + g["min_kw"], g["existing_kw"] + g["max_kw"]
        size = lp.add_columns("gen_kw", 1, lower=lo, upper=hi)
        purchase = lp.add_columns("gen_purchase_kw", 1)
        lp.add_rows("gen_purchase", 1, [0, 0], [purchase.start, size.start], [1.0, -1.0], lower=-g["existing_kw"])
        capex = effective_cost(_slope(g["installed_cost_per_kw"], g["federal_itc_fraction"]), years=self.f.years,
                               tax=self.f.tax_owner, discount=self.f.discount_owner,
                               macrs_years=g["macrs_option_years"], macrs_bonus=g["macrs_bonus_fraction"],
                               macrs_itc_reduction=g["macrs_itc_reduction"], itc=g["federal_itc_fraction"],
                               replacement_cost=g["replace_cost_per_kw"],
                               replacement_year=g["replacement_year"])
        self.lifecycle.add("lifecycle_generator_capital_costs", purchase.start, self.f.third_party_factor * capex)
        om = (1 - self.f.tax_owner) * self.f.third_party_factor * self.f.pwf_om
        self.lifecycle.add("lifecycle_om_costs_after_tax", size.start, om * g["om_cost_per_kw"])
        if g["only_runs_during_grid_outage"]:
            self.warnings.append("Generator.only_runs_during_grid_outage is true and no outage is modelled: "
                                 "the generator never runs (set it false to dispatch it)")
            return
        slope, intercept = fuel_curve(g)
        on = None
        if intercept > 0 or g["min_turn_down_fraction"] > 0:
            on = lp.add_columns("gen_on", n, upper=1.0, integer=True)
        power = lp.add_columns("gen", n, upper=hi)
        steps = self.steps
        # P_h <= size
        lp.add_rows("gen_le_size", n, np.r_[steps, steps], np.r_[power.index, np.full(n, size.start)],
                    np.r_[np.ones(n), -np.ones(n)], upper=0.0)
        if on is not None:
            # P_h <= size_max x on_h;  turndown x size - P_h <= size_max x (1 - on_h)
            lp.add_rows("gen_on_off", n, np.r_[steps, steps], np.r_[power.index, on.index],
                        np.r_[np.ones(n), np.full(n, -hi)], upper=0.0)
            if g["min_turn_down_fraction"] > 0:
                lp.add_rows("gen_turndown", n, np.r_[steps, steps, steps],
                            np.r_[np.full(n, size.start), power.index, on.index],
                            np.r_[np.full(n, g["min_turn_down_fraction"]), -np.ones(n), np.full(n, hi)], upper=hi)
        # fuel (kWh of fuel): dt (slope P + intercept x size x on), the size fixed when there is an intercept
        fuel_cols, fuel_coefs = [power.index], [np.full(n, self.dt * slope)]
        if on is not None and intercept > 0:
            fuel_cols.append(on.index)
            fuel_coefs.append(np.full(n, self.dt * intercept * lo))
        cols, coefs = np.concatenate(fuel_cols), np.concatenate(fuel_coefs)
        hhv = g["fuel_higher_heating_value_kwh_per_gal"]
        self.fuel = (cols, coefs / hhv)            # units of fuel (gal) per column
        if g["fuel_avail_gal"] < 1e9:
            lp.add_rows("fuel_limit", 1, np.zeros(cols.size), cols, coefs / hhv, upper=g["fuel_avail_gal"])
        fuel_w = (1 - self.f.tax_offtaker) * self.f.pwf_fuel
        self.lifecycle.add("lifecycle_fuel_costs_after_tax", cols, fuel_w * g["fuel_cost_per_gallon"] * coefs / hhv)
        self.lifecycle.add("lifecycle_om_costs_after_tax", power.index, om * g["om_cost_per_kwh"] * self.dt)
        out = [power.index]
        if self.sc.storage is not None:
            to_storage = lp.add_columns("gen_to_storage", n)
            self.charging.append(to_storage.index)
            out.append(to_storage.index)
        if g["sells_energy_back_to_grid"] and self._export_allowed(g):
            export = lp.add_columns("export_gen", n)
            self.exports.append(export.index)
            out.append(export.index)
        if len(out) > 1:
            # what goes to storage or the grid comes out of production
            lp.add_rows("gen_split", n, np.tile(steps, len(out)), np.concatenate(out),
                        np.r_[-np.ones(n), np.ones(n * (len(out) - 1))], upper=0.0)
        self.balance.extend((c, -np.ones(n)) for c in out[1:])
        self.balance.append((power.index, np.ones(n)))

    # ------------------------------------------------------------------ PV
    def _pv(self) -> None:
        p, lp, n, f = self.sc.pv, self.lp, self.n, self.f
        fin = self.sc.financial
        self.levelization = levelization_factor(fin["analysis_years"], fin["elec_cost_escalation_rate_fraction"],
                                                fin["offtaker_discount_rate_fraction"], p["degradation_fraction"],
                                                f.pwf_e)
        prod = p["production_factor_series"] * self.levelization
        size = lp.add_columns("pv_kw", 1, lower=p["existing_kw"] + p["min_kw"], upper=p["existing_kw"] + p["max_kw"])
        purchase = lp.add_columns("pv_purchase_kw", 1)
        lp.add_rows("pv_purchase", 1, [0, 0], [purchase.start, size.start], [1.0, -1.0], lower=-p["existing_kw"])
        capex = effective_cost(_slope(p["installed_cost_per_kw"], p["federal_itc_fraction"]), years=f.years,
                               tax=f.tax_owner, discount=f.discount_owner, macrs_years=p["macrs_option_years"],
                               macrs_bonus=p["macrs_bonus_fraction"], macrs_itc_reduction=p["macrs_itc_reduction"],
                               itc=p["federal_itc_fraction"])
        self.lifecycle.add("lifecycle_pv_capital_costs", purchase.start, f.third_party_factor * capex)
        om = (1 - f.tax_owner) * f.third_party_factor * f.pwf_om
        self.lifecycle.add("lifecycle_om_costs_after_tax", size.start, om * p["om_cost_per_kw"])
        out = []
        if self.sc.storage is not None:
            out.append(lp.add_columns("pv_to_storage", n).index)
            self.charging.append(out[-1])
        if self._export_allowed(p):
            out.append(lp.add_columns("export_pv", n).index)
            self.exports.append(out[-1])
        if p["can_curtail"]:
            out.append(lp.add_columns("pv_curtail", n).index)
        if out:
            steps = self.steps
            lp.add_rows("pv_split", n, np.r_[np.tile(steps, len(out)), steps],
                        np.r_[np.concatenate(out), np.full(n, size.start)],
                        np.r_[np.ones(n * len(out)), -prod], upper=0.0)
        self.balance.extend((c, -np.ones(n)) for c in out)
        self.balance.append((np.full(n, size.start), prod))

    # ------------------------------------------------------------------ storage
    def _storage(self) -> None:
        b, lp, n, dt, f = self.sc.storage, self.lp, self.n, self.dt, self.f
        steps = self.steps
        kw = lp.add_columns("storage_kw", 1, lower=b["min_kw"], upper=b["max_kw"])
        kwh = lp.add_columns("storage_kwh", 1, lower=b["min_kwh"], upper=b["max_kwh"])
        soc = lp.add_columns("soc", n, upper=b["max_kwh"])
        discharge = lp.add_columns("discharge", n, upper=b["max_kw"])
        grid_ok = b["can_grid_charge"] and b["grid_charge_efficiency"] > 0
        from_grid = lp.add_columns("grid_to_storage", n, upper=b["max_kw"] if grid_ok else 0.0)
        eta_c, eta_gc, eta_d = b["charge_efficiency"], b["grid_charge_efficiency"], b["discharge_efficiency"]
        ones, kwh_col, kw_col = np.ones(n), np.full(n, kwh.start), np.full(n, kw.start)
        charge_cols = [from_grid.index] + self.charging
        charge_eff = [eta_gc] + [eta_c] * len(self.charging)

        # SOC dynamics: E_h - E_{h-1} - dt (sum eff x charge) + dt/eta_d D_h = 0, E_0 = init x kWh
        prev = soc.index - 1
        rows, cols, vals = [steps, steps[1:], steps], [soc.index, prev[1:], discharge.index], \
            [ones, -ones[1:], np.full(n, dt / eta_d)]
        for c, eff in zip(charge_cols, charge_eff):
            rows.append(steps), cols.append(c), vals.append(np.full(n, -dt * eff))
        if b["optimize_soc_init_fraction"]:
            rows.append([0]), cols.append([soc.start + n - 1]), vals.append([-1.0])
        else:
            rows.append([0]), cols.append([kwh.start]), vals.append([-b["soc_init_fraction"]])
        lp.add_rows("soc_dynamics", n, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                    lower=0.0, upper=0.0)
        # soc_min x kWh <= E_h <= kWh
        lp.add_rows("soc_max", n, np.r_[steps, steps], np.r_[soc.index, kwh_col], np.r_[ones, -ones], upper=0.0)
        lp.add_rows("soc_min", n, np.r_[steps, steps], np.r_[soc.index, kwh_col],
                    np.r_[ones, np.full(n, -b["soc_min_fraction"])], lower=0.0)
        # charging alone cannot overfill: E_{h-1} + dt sum eff x charge - kWh <= 0
        rows, cols, vals = [steps[1:], steps], [prev[1:], kwh_col], [ones[1:], -ones]
        for c, eff in zip(charge_cols, charge_eff):
            rows.append(steps), cols.append(c), vals.append(np.full(n, dt * eff))
        if b["optimize_soc_init_fraction"]:
            rows.append([0]), cols.append([soc.start + n - 1]), vals.append([1.0])
        else:  # E_0 = init x kWh: the first row's kWh coefficient is init - 1
            vals[1] = vals[1].copy()
            vals[1][0] = b["soc_init_fraction"] - 1.0
        lp.add_rows("no_overfill", n, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), upper=0.0)
        # charge and discharge share the power rating: D + sum charge - kW <= 0
        all_cols = [discharge.index] + charge_cols
        lp.add_rows("power", n, np.tile(steps, len(all_cols) + 1), np.concatenate(all_cols + [kw_col]),
                    np.r_[np.ones(n * len(all_cols)), -ones], upper=0.0)
        if grid_ok:  # grid charging comes from purchases
            lp.add_rows("grid_charge_le_purchase", n, np.r_[steps, steps], np.r_[self.grid.index, from_grid.index],
                        np.r_[ones, -ones], lower=0.0)
        if b["min_duration_hours"] > 0 or b["max_duration_hours"] < 1e5:
            lp.add_rows("duration", 2, [0, 0, 1, 1], [kwh.start, kw.start] * 2,
                        [1.0, -b["min_duration_hours"], 1.0, -b["max_duration_hours"]],
                        lower=[0.0, -INF], upper=[INF, 0.0])
        if b["minimum_avg_soc_fraction"] > 0:
            lp.add_rows("min_avg_soc", 1, np.zeros(n + 1), np.r_[soc.index, kwh.start],
                        np.r_[np.full(n, 1.0 / n), -b["minimum_avg_soc_fraction"]], lower=0.0)
        self.balance += [(discharge.index, ones), (from_grid.index, -ones)]

        # costs (spec §4, §9.3)
        fin = dict(years=f.years, tax=f.tax_owner, discount=f.discount_owner, macrs_years=b["macrs_option_years"],
                   macrs_bonus=b["macrs_bonus_fraction"], macrs_itc_reduction=b["macrs_itc_reduction"],
                   itc=b["total_itc_fraction"])
        c_kw = effective_cost(b["installed_cost_per_kw"], replacement_cost=b["replace_cost_per_kw"],
                              replacement_year=b["inverter_replacement_year"], rebate=b["total_rebate_per_kw"], **fin)
        c_kwh = effective_cost(b["installed_cost_per_kwh"], replacement_cost=b["replace_cost_per_kwh"],
                               replacement_year=b["battery_replacement_year"], rebate=b["total_rebate_per_kwh"], **fin)
        c_0 = effective_cost(b["installed_cost_constant"], replacement_cost=b["replace_cost_constant"],
                             replacement_year=b["cost_constant_replacement_year"], **fin)
        tp = f.third_party_factor
        om = (1 - f.tax_owner) * tp * f.pwf_om * b["om_cost_fraction_of_installed_cost"]
        cap = "lifecycle_storage_capital_costs"
        self.lifecycle.add(cap, [kw.start, kwh.start], [tp * c_kw, tp * c_kwh])
        self.lifecycle.add("lifecycle_om_costs_after_tax", [kw.start, kwh.start],
                           [om * b["installed_cost_per_kw"], om * b["installed_cost_per_kwh"]])
        if b["installed_cost_constant"] or b["replace_cost_constant"]:
            include = lp.add_columns("storage_cost_constant", 1, upper=1.0, integer=True)
            lp.add_rows("cost_constant", 1, [0, 0], [kwh.start, include.start], [1.0, -b["max_kwh"]], upper=0.0)
            self.lifecycle.add(cap, include.start, tp * c_0)
            self.lifecycle.add("lifecycle_om_costs_after_tax", include.start, om * b["installed_cost_constant"])
        if self.sc.settings["add_soc_incentive"]:
            scale = self.sc.settings["soc_incentive_scale"]
            self.penalty.add("soc_incentive", soc.index, np.full(n, -scale / n))

    # ------------------------------------------------------------------ balance
    def _load_balance(self) -> None:
        n = self.n
        cols = np.concatenate([c for c, _ in self.balance])
        vals = np.concatenate([v for _, v in self.balance])
        rows = np.tile(self.steps, len(self.balance))
        load = self.sc.loads_kw
        self.lp.add_rows("load_balance", n, rows, cols, vals, lower=load, upper=load)

    # ------------------------------------------------------------------ energy
    def _energy_charges(self) -> None:
        s, n, dt = self.series, self.n, self.dt
        export_cols = np.concatenate(self.exports) if self.exports else np.zeros(0, np.int64)
        export_steps = np.tile(self.steps, len(self.exports))
        if s.net_metering and export_cols.size:
            # REopt: net-metered exports over the year cannot exceed purchases
            self.lp.add_rows("net_metering_cap", 1, np.zeros(n + export_cols.size, np.int64),
                             np.r_[export_cols, self.grid.index], np.r_[np.ones(export_cols.size), -np.ones(n)],
                             upper=0.0)
        tiered = s.n_tiers > 1
        if not tiered:
            self.bill.add("energy", self.grid.index, dt * s.energy_rates[:, 0])
            self._by_month("energy", self.grid.index, dt * s.energy_rates[:, 0], self.month)
            if export_cols.size:
                credit = -dt * s.export_rates[export_steps]
                self.bill.add("export", export_cols, credit)
                self._by_month("export", export_cols, credit, self.month[export_steps])
            return
        rates = s.tariff.energy.rates                         # (P, U)
        n_periods, n_tiers = rates.shape
        key = self.month * n_periods + s.energy_period
        keys, inverse = np.unique(key, return_inverse=True)
        k_month, k_period = keys // n_periods, keys % n_periods
        K = keys.size
        q = self.lp.add_columns("energy_tier_kwh", K * n_tiers)          # Q[k, u] at k * U + u
        q_index = q.index.reshape(K, n_tiers)
        # sum_u Q[k,u] (- S_k) = dt sum_{h in k} (G_h - exports_h)
        rows = [np.repeat(np.arange(K), n_tiers), inverse]
        cols = [q.index, self.grid.index]
        vals = [np.ones(K * n_tiers), np.full(n, -dt)]
        net_metered = s.net_metering and export_cols.size
        if net_metered:
            if np.any(np.diff(rates, axis=1) < 0):
                raise InputError("ElectricTariff.urdb_response", "net metering with declining-block energy tiers",
                                 "increasing tiers when technologies export under net metering",
                                 detail="the optimiser cannot price net exports against declining blocks")
            rows.append(inverse[export_steps]), cols.append(export_cols), vals.append(np.full(export_cols.size, dt))
            sold = self.lp.add_columns("net_export_kwh", K)
            rows.append(np.arange(K)), cols.append(sold.index), vals.append(-np.ones(K))
            # a period can only be credited for what it exported
            self.lp.add_rows("net_export_le_exports", K, np.r_[np.arange(K), inverse[export_steps]],
                             np.r_[sold.index, export_cols], np.r_[np.ones(K), np.full(export_cols.size, -dt)],
                             upper=0.0)
            self.bill.add("export", sold.index, -rates[k_period, 0])
            self._by_month("export", sold.index, -rates[k_period, 0], k_month)
        elif export_cols.size:
            credit = -dt * s.export_rates[export_steps]
            self.bill.add("export", export_cols, credit)
            self._by_month("export", export_cols, credit, self.month[export_steps])
        self.lp.add_rows("energy_by_period", K, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                         lower=0.0, upper=0.0)
        coef = rates[k_period].ravel()
        self.bill.add("energy", q.index, coef)
        self._by_month("energy", q.index, coef, np.repeat(k_month, n_tiers))

        limits = s.energy_tier_limits                                          # (12, U) cumulative
        widths = tier_widths(limits)
        max_month_kwh = self._max_purchase_kwh()
        declining = np.zeros(12, dtype=bool)
        drops = np.diff(rates, axis=1) < 0
        for m in range(12):
            declining[m] = bool(drops[k_period[k_month == m]].any())
            if not s.energy_tiers_linear[m]:
                self.warnings.append(
                    f"ElectricTariff: month {m + 1} has energy periods with different tier premiums; the optimiser "
                    "allocates tiers per period (REopt) while the bill uses the month's tier mix (URDB/SAM)")
        tier_rows, tier_cols, tier_vals, upper = [], [], [], []
        r = 0
        bin_rows: list[tuple] = []
        for m in range(12):
            mk = np.flatnonzero(k_month == m)
            for u in range(n_tiers):
                w = widths[m, u]
                if declining[m]:
                    bin_rows.append((m, u, mk, min(w, max_month_kwh[m]), widths[m, u - 1] if u else None))
                elif np.isfinite(w):
                    tier_rows.append(np.full(mk.size, r)), tier_cols.append(q_index[mk, u])
                    tier_vals.append(np.ones(mk.size)), upper.append(w)
                    r += 1
        if r:
            self.lp.add_rows("energy_tier_width", r, np.concatenate(tier_rows), np.concatenate(tier_cols),
                             np.concatenate(tier_vals), upper=np.array(upper))
        if bin_rows:
            self._tier_binaries("energy_tier", [(q_index[mk, u], w, q_index[mk, u - 1] if u else None, w_prev)
                                                for m, u, mk, w, w_prev in bin_rows])

    def _max_purchase_kwh(self) -> np.ndarray:
        """An upper bound of each month's purchases (kWh), the big-M of declining-block rows.

        Purchases = load - what techs serve + grid charging, and grid charging is bounded by energy
        conservation: eta_gc x charged <= kWh capacity + discharged / eta_d, discharged <= load.
        """
        load = np.bincount(self.month, self.sc.loads_kw, minlength=12) * self.dt
        b = self.sc.storage
        if b is None or not b["can_grid_charge"] or b["grid_charge_efficiency"] <= 0:
            return load + 1.0
        charged = (b["max_kwh"] + load / b["discharge_efficiency"]) / b["grid_charge_efficiency"]
        return load + charged + 1.0

    def _tier_binaries(self, name: str, tiers: list[tuple]) -> None:
        """Declining-block tiers: tier u may hold anything only once tier u-1 is full (REopt's binaries).

        ``tiers``: per (group, tier) in order ``(columns of this tier, width or big-M, columns of the
        previous tier or None, previous width)``; the sum of the columns is the tier's amount.
        """
        # a tier after an unlimited one (padding of a shorter tier table) can never fill: its binary is 0
        reachable = np.array([prev is None or np.isfinite(prev_width) for _, _, prev, prev_width in tiers])
        z = self.lp.add_columns(name + "_on", len(tiers), upper=reachable.astype(float), integer=True)
        rows, cols, vals, lower, upper = [], [], [], [], []
        r = 0
        for i, (this, width, prev, prev_width) in enumerate(tiers):
            rows += [np.full(this.size + 1, r)]; cols += [np.r_[this, z.start + i]]
            vals += [np.r_[np.ones(this.size), -width]]; lower.append(-INF); upper.append(0.0); r += 1
            if prev is not None and reachable[i]:
                rows += [np.full(prev.size + 1, r)]; cols += [np.r_[prev, z.start + i]]
                vals += [np.r_[np.ones(prev.size), -prev_width]]; lower.append(0.0); upper.append(INF); r += 1
                rows += [np.array([r, r])]; cols += [np.array([z.start + i, z.start + i - 1])]
                vals += [np.array([1.0, -1.0])]; lower.append(-INF); upper.append(0.0); r += 1
        self.lp.add_rows(name + "_order", r, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
                         lower=np.array(lower), upper=np.array(upper))

    # ------------------------------------------------------------------ demand
    def _demand_charges(self) -> None:
        s, lp = self.series, self.lp
        G = s.n_groups
        if not G:
            return
        peak = lp.add_columns("demand_peak_kw", G)
        sizes = np.diff(s.group_starts)
        group_of_row = np.repeat(np.arange(G), sizes)
        flat = s.group_kind == KIND_FLAT
        ratchet = s.ratchet if flat.any() else None
        per_step = ~flat[group_of_row] if ratchet is not None else np.ones(group_of_row.size, dtype=bool)
        g_rows, steps = group_of_row[per_step], s.group_order[per_step]
        nr = g_rows.size
        lp.add_rows("demand_peak", nr, np.r_[np.arange(nr), np.arange(nr)],
                    np.r_[peak.start + g_rows, self.grid[steps]], np.r_[np.ones(nr), -np.ones(nr)], lower=0.0)
        if ratchet is not None:
            self._ratchet(peak, np.flatnonzero(flat), ratchet)

        rates, limits = s.group_rates, s.group_limits
        widths = tier_widths(limits)
        tiered = np.array([np.unique(rates[g][widths[g] > 0]).size > 1 for g in range(G)], dtype=bool)
        month = s.group_month
        simple = np.flatnonzero(~tiered)
        self.bill.add("demand", peak.start + simple, rates[simple, 0])
        self._by_month("demand", peak.start + simple, rates[simple, 0], month[simple])
        multi = np.flatnonzero(tiered)
        if not multi.size:
            return
        E = rates.shape[1]
        y = lp.add_columns("demand_tier_kw", multi.size * E, upper=widths[multi].ravel())
        y_index = y.index.reshape(multi.size, E)
        m_rows = np.arange(multi.size)
        lp.add_rows("demand_tiers", multi.size, np.r_[m_rows, np.repeat(m_rows, E)],
                    np.r_[peak.start + multi, y.index], np.r_[np.ones(multi.size), -np.ones(multi.size * E)],
                    lower=0.0, upper=0.0)
        coef = rates[multi].ravel()
        self.bill.add("demand", y.index, coef)
        self._by_month("demand", y.index, coef, np.repeat(month[multi], E))
        declining = np.diff(rates[multi], axis=1) < 0
        big = float(self.sc.loads_kw.max()) + (self.sc.storage["max_kw"] if self.sc.storage is not None else 0.0) + 1.0
        tiers = []
        for i, g in enumerate(multi):
            if declining[i].any():
                for e in range(E):
                    tiers.append((y_index[i, e:e + 1], min(widths[g, e], big),
                                  y_index[i, e - 1:e] if e else None, widths[g, e - 1] if e else None))
        if tiers:
            self._tier_binaries("demand_tier", tiers)

    def _ratchet(self, peak: Block, flat_groups: np.ndarray, ratchet) -> None:
        """Flat groups' billed kW >= the month's peak and >= percent x each look-back month's peak."""
        lp, n = self.lp, self.n
        month_peak = lp.add_columns("month_peak_kw", 12)
        lp.add_rows("month_peak", n, np.r_[self.steps, self.steps],
                    np.r_[month_peak.start + self.month, self.grid.index], np.r_[np.ones(n), -np.ones(n)], lower=0.0)
        rows, cols, vals, r = [], [], [], 0
        for g in flat_groups:
            m = int(self.series.group_month[g])
            rows += [r, r]; cols += [peak.start + g, month_peak.start + m]; vals += [1.0, -1.0]; r += 1
            for k in np.flatnonzero(ratchet.months[m]):
                rows += [r, r]; cols += [peak.start + g, month_peak.start + k]; vals += [1.0, -ratchet.percent]; r += 1
        lp.add_rows("ratchet", r, rows, cols, vals, lower=0.0)

    # ------------------------------------------------------------------ fixed and minimum
    def _by_month(self, name: str, cols, coefs, months) -> None:
        """Record year-one bill terms by month (for minimum charges and monthly outputs)."""
        self.monthly_terms.append(
            (name, np.asarray(cols, np.int64), np.broadcast_to(np.asarray(coefs, float), np.shape(cols)),
             np.broadcast_to(np.asarray(months, np.int64), np.shape(cols))))

    def _fixed_and_minimum(self) -> None:
        s, lp = self.series, self.lp
        fixed = s.fixed_usd
        self.bill.constant("fixed", float(fixed.sum()))
        monthly_min, annual_min = s.min_monthly_usd, s.min_annual_usd
        if not (np.any(monthly_min > 0) or annual_min > 0):
            return
        terms = self.monthly_terms
        cols = np.concatenate([t[1] for t in terms]) if terms else np.zeros(0, np.int64)
        coefs = np.concatenate([t[2] for t in terms]) if terms else np.zeros(0)
        months = np.concatenate([t[3] for t in terms]) if terms else np.zeros(0, np.int64)
        adder = lp.add_columns("minimum_charge_adder", 12)
        self.bill.add("minimum", adder.index, np.ones(12))
        with_min = np.flatnonzero(monthly_min > 0)
        rows, rcols, rvals = [], [], []
        for r, m in enumerate(with_min):
            sel = months == m
            rows.append(np.full(int(sel.sum()) + 1, r)), rcols.append(np.r_[cols[sel], adder.start + m])
            rvals.append(np.r_[coefs[sel], 1.0])
        if with_min.size:
            # adder_m + bill_m >= minimum_m (columns repeated in a row are summed first)
            r_all, c_all, v_all = _merge(np.concatenate(rows), np.concatenate(rcols), np.concatenate(rvals))
            lp.add_rows("minimum_monthly", with_min.size, r_all, c_all, v_all,
                        lower=monthly_min[with_min] - fixed[with_min])
        else:
            lp.set_bounds(adder.index[:11], upper=0.0)
        if annual_min > 0:
            # the year's bill + all adders >= the annual minimum (the December adder tops it up, as the bill)
            r_all, c_all, v_all = _merge(np.zeros(cols.size + 12, np.int64), np.r_[cols, adder.index],
                                         np.r_[coefs, np.ones(12)])
            lp.add_rows("minimum_annual", 1, r_all, c_all, v_all, lower=annual_min - float(fixed.sum()))

    # ------------------------------------------------------------------ objective
    def _objective(self) -> None:
        f = self.f
        weight = f.pwf_e * (1 - f.tax_offtaker)
        for name in self.bill.names():
            for cols, coefs in self.bill.parts.get(name, []):
                self.lifecycle.add("lifecycle_elecbill_after_tax", cols, weight * coefs)
            if name in self.bill.constants:
                self.lifecycle.constant("lifecycle_elecbill_after_tax", weight * self.bill.constants[name])
        for terms in (self.lifecycle, self.penalty):
            for parts in terms.parts.values():
                for cols, coefs in parts:
                    self.lp.add_cost(cols, coefs)
        self.lp.offset = sum(self.lifecycle.constants.values())


def _slope(cost_per_kw: float, itc: float) -> float:
    """REopt's cost-curve slope of a tech: the cost net of the ITC rounded to whole dollars, grossed
    back up as the ITC basis (spec §9.3), e.g. 2783 $/kW at 30 % -> round(1948.1) / 0.7 = 2782.857."""
    return round(cost_per_kw * (1.0 - itc)) / (1.0 - itc) if itc < 1.0 else 0.0


def _merge(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray):
    """Sum the values of repeated (row, column) pairs."""
    key = rows.astype(np.int64) * (int(cols.max()) + 1 if cols.size else 1) + cols
    unique, inverse = np.unique(key, return_inverse=True)
    summed = np.bincount(inverse, vals)
    width = int(cols.max()) + 1 if cols.size else 1
    return unique // width, unique % width, summed
