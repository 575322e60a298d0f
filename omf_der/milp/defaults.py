"""Every input the MILP core reads, with its default and allowed range: the one place defaults live.

Defaults are REopt.jl v0.56.4's (spec ``reopt_core.md`` §11), for an on-grid run. A value
written ``None`` has a default that depends on other inputs; :mod:`omf_der.milp.scenario` fills
it in and says how in :data:`DERIVED`. Keys not listed here are refused by name: either REopt has
them and this core does not model them (outages, off-grid, emissions targets, ...) or they are
misspelt. A few keys REopt's own test scenarios carry that cannot change anything this core
computes are accepted and reported in ``Messages.warnings`` (:data:`NO_EFFECT`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BIG = 1.0e9          # REopt's "no limit" for fuel and sizes; also the largest size, kW or kWh accepted


@dataclass(frozen=True)
class Spec:
    """One input: default, kind (``num``, ``int``, ``bool``, ``series``, ``str``) and range."""

    default: Any
    kind: str = "num"
    lo: float = 0.0
    hi: float = BIG
    doc: str = ""


def _frac(default: float, doc: str = "") -> Spec:
    return Spec(default, "num", 0.0, 1.0, doc)


MACRS_SCHEDULES = {
    0: (),
    5: (0.2, 0.32, 0.192, 0.1152, 0.1152, 0.0576),
    7: (0.1429, 0.2449, 0.1749, 0.1249, 0.0893, 0.0892, 0.0893, 0.0446),
}

BLOCKS: dict[str, dict[str, Spec]] = {
    "Site": {
        "latitude": Spec(None, "num", -90.0, 90.0, "degrees (recorded; PV output is given, not computed)"),
        "longitude": Spec(None, "num", -180.0, 180.0, "degrees (recorded)"),
    },
    "ElectricLoad": {
        "loads_kw": Spec(None, "series", hi=1e7, doc="kW per step, 8760 x time_steps_per_hour values (required)"),
        "year": Spec(None, "int", 1900, 2100, "calendar of the load (required with loads_kw)"),
        "critical_loads_kw": Spec(None, "series", hi=1e7, doc="kW per step; recorded (no outages are modelled)"),
        "critical_load_fraction": _frac(0.5, "recorded (no outages are modelled)"),
        "loads_kw_is_net": Spec(True, "bool", doc="existing PV output is added back to the load"),
    },
    "ElectricStorage": {
        "min_kw": Spec(0.0), "max_kw": Spec(1.0e4), "min_kwh": Spec(0.0), "max_kwh": Spec(1.0e6),
        "internal_efficiency_fraction": _frac(0.975), "inverter_efficiency_fraction": _frac(0.96),
        "rectifier_efficiency_fraction": _frac(0.96),
        "charge_efficiency": _frac(None, "default rectifier x sqrt(internal)"),
        "discharge_efficiency": _frac(None, "default inverter x sqrt(internal)"),
        "grid_charge_efficiency": _frac(None, "default charge_efficiency if can_grid_charge else 0"),
        "soc_min_fraction": _frac(0.2), "soc_init_fraction": _frac(0.5),
        "optimize_soc_init_fraction": Spec(False, "bool"), "minimum_avg_soc_fraction": _frac(0.0),
        "can_grid_charge": Spec(True, "bool"),
        "min_duration_hours": Spec(0.0), "max_duration_hours": Spec(100000.0),
        "installed_cost_per_kw": Spec(968.0), "installed_cost_per_kwh": Spec(253.0),
        "installed_cost_constant": Spec(222115.0),
        "replace_cost_per_kw": Spec(0.0), "replace_cost_per_kwh": Spec(0.0), "replace_cost_constant": Spec(0.0),
        "inverter_replacement_year": Spec(10, "int", 0, 100), "battery_replacement_year": Spec(10, "int", 0, 100),
        "cost_constant_replacement_year": Spec(10, "int", 0, 100),
        "om_cost_fraction_of_installed_cost": _frac(0.025),
        "macrs_option_years": Spec(5, "int", 0, 7, "0, 5 or 7"), "macrs_bonus_fraction": _frac(1.0),
        "macrs_itc_reduction": _frac(0.5), "total_itc_fraction": _frac(0.3),
        "total_rebate_per_kw": Spec(0.0), "total_rebate_per_kwh": Spec(0.0),
    },
    "Generator": {
        "existing_kw": Spec(0.0), "min_kw": Spec(0.0), "max_kw": Spec(1.0e6),
        "installed_cost_per_kw": Spec(None, doc="650 if only_runs_during_grid_outage else 800"),
        "om_cost_per_kw": Spec(20.0), "om_cost_per_kwh": Spec(0.0),
        "fuel_cost_per_gallon": Spec(2.25, doc="$ per unit of fuel (gallon, or ft3 with a matching heating value)"),
        "fuel_higher_heating_value_kwh_per_gal": Spec(40.7, "num", 1e-6, 1e4, "kWh of fuel per unit (diesel 40.7)"),
        "electric_efficiency_full_load": Spec(0.322, "num", 1e-6, 1.0),
        "electric_efficiency_half_load": Spec(None, "num", 1e-6, 1.0, "default = full load"),
        "fuel_avail_gal": Spec(BIG, doc="fuel units available for the whole year"),
        "min_turn_down_fraction": _frac(0.0),
        "only_runs_during_grid_outage": Spec(True, "bool"),
        "sells_energy_back_to_grid": Spec(False, "bool"),
        "can_net_meter": Spec(False, "bool"), "can_wholesale": Spec(False, "bool"),
        "macrs_option_years": Spec(0, "int", 0, 7, "0, 5 or 7"), "macrs_bonus_fraction": _frac(0.0),
        "macrs_itc_reduction": _frac(0.0), "federal_itc_fraction": _frac(0.0),
        "replacement_year": Spec(None, "int", 0, 100, "default analysis_years (no replacement)"),
        "replace_cost_per_kw": Spec(0.0),
    },
    "PV": {
        "name": Spec("PV", "str"),
        "existing_kw": Spec(0.0), "min_kw": Spec(0.0), "max_kw": Spec(1.0e9),
        "production_factor_series": Spec(None, "series", hi=10.0, doc="kW AC per kW DC per step (required)"),
        "installed_cost_per_kw": Spec(2783.0, doc="REopt size class 1 (residential) average"),
        "om_cost_per_kw": Spec(32.0, doc="REopt size class 1 (residential)"),
        "degradation_fraction": _frac(0.005),
        "federal_itc_fraction": _frac(0.3), "macrs_option_years": Spec(5, "int", 0, 7, "0, 5 or 7"),
        "macrs_bonus_fraction": _frac(1.0), "macrs_itc_reduction": _frac(0.5),
        "can_net_meter": Spec(True, "bool"), "can_wholesale": Spec(True, "bool"),
        "can_curtail": Spec(True, "bool"),
    },
    "Financial": {
        "analysis_years": Spec(25, "int", 1, 100),
        "offtaker_discount_rate_fraction": _frac(0.0624), "owner_discount_rate_fraction": _frac(0.0624),
        "offtaker_tax_rate_fraction": Spec(0.26, "num", 0.0, 0.999),
        "owner_tax_rate_fraction": Spec(0.26, "num", 0.0, 0.999),
        "elec_cost_escalation_rate_fraction": Spec(0.0166, "num", -0.5, 1.0),
        "om_cost_escalation_rate_fraction": Spec(0.025, "num", -0.5, 1.0),
        "generator_fuel_cost_escalation_rate_fraction": Spec(0.0197, "num", -0.5, 1.0),
        "third_party_ownership": Spec(False, "bool"),
    },
    "Settings": {
        "time_steps_per_hour": Spec(1, "int", 1, 4, "1, 2 or 4"),
        "add_soc_incentive": Spec(True, "bool"),
        "soc_incentive_scale": Spec(1.0, "num", 0.0, 1.0, "x REopt's SOC incentive, $1 per kWh of average "
                                    "state of charge (omf-der; 1e-6 makes it a pure tie-breaker)"),
        "solver_name": Spec("HiGHS", "str"),
        "timeout_seconds": Spec(600.0, "num", 1e-3, 1.0e6, "solver time limit (REopt API default 600)"),
        "optimality_tolerance": Spec(0.001, "num", 0.0, 1.0, "relative MIP gap (REopt API default 0.001)"),
        "random_seed": Spec(0, "int", 0, 2147483647, "HiGHS random_seed (omf-der)"),
        "demand_method": Spec("monthly", "str", doc='"monthly" or "daily_window" (omf-der)'),
    },
}

#: inputs whose default depends on other inputs (filled in by scenario.py)
DERIVED = {
    "ElectricStorage.charge_efficiency": "rectifier_efficiency_fraction x sqrt(internal_efficiency_fraction)",
    "ElectricStorage.discharge_efficiency": "inverter_efficiency_fraction x sqrt(internal_efficiency_fraction)",
    "ElectricStorage.grid_charge_efficiency": "charge_efficiency if can_grid_charge else 0",
    "Generator.installed_cost_per_kw": "650 if only_runs_during_grid_outage else 800",
    "Generator.electric_efficiency_half_load": "electric_efficiency_full_load",
    "Generator.replacement_year": "Financial.analysis_years",
    "Financial.owner_*": "the offtaker's discount and tax rates unless third_party_ownership",
}

#: accepted keys that change nothing this core computes (kept by REopt's test scenarios)
NO_EFFECT = {
    "ElectricUtility": {"co2_from_avert": "emissions factors are not modelled"},
    "Financial": {"existing_boiler_fuel_cost_escalation_rate_fraction": "there is no boiler",
                  "boiler_fuel_cost_escalation_rate_fraction": "there is no boiler",
                  "chp_fuel_cost_escalation_rate_fraction": "there is no CHP"},
}

#: REopt keys refused with a reason (anything else unknown is refused as unknown)
REFUSED = {
    "Settings.off_grid_flag": "off-grid runs are not modelled",
    "ElectricUtility.outage_start_time_step": "grid outages are not modelled",
    "ElectricUtility.outage_end_time_step": "grid outages are not modelled",
    "ElectricUtility.outage_start_time_steps": "grid outages are not modelled",
    "ElectricUtility.outage_durations": "grid outages are not modelled",
    "ElectricUtility.net_metering_limit_kw": "net metering follows the tariff (URDB usenetmetering)",
    "ElectricUtility.interconnection_limit_kw": "export limits are not modelled",
    "Generator.fuel_slope_gal_per_kwh": "REopt replaced it by electric_efficiency_full_load/half_load",
    "Generator.fuel_intercept_gal_per_hr": "REopt replaced it by electric_efficiency_full_load/half_load",
    "ElectricStorage.model_degradation": "battery degradation is not modelled",
}

TOP_LEVEL = tuple(BLOCKS) + ("ElectricTariff", "ElectricUtility")
