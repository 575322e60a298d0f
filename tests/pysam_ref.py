"""Reference bills from NREL PySAM ``Utilityrate5`` (the SAM utility-rate model).

Reference source: NREL System Advisor Model, PySAM ``Utilityrate5`` compute module
(https://nrel-pysam.readthedocs.io/en/main/modules/Utilityrate5.html) with the URDB converter
``PySAM.UtilityRateTools.URDBv8_to_ElectricityRates``
(https://nrel-pysam.readthedocs.io/en/main/Tools.html#utilityratetools).

A bill is year 1 of a one-year analysis with no escalation, no inflation and no generating
system (``gen`` all zeros), so every charge is the "without system" bill of the load alone.

PySAM's calendar is fixed: a 365-day year that starts on a Monday, weekday = Monday-Friday, no
holidays.  Its bills therefore equal those of calendar year 2018 (January 1, 2018 was a Monday);
they are not references for leap years or for years that start on another weekday.

The converter turns ``$/day`` fixed and minimum charges into ``365 / 12`` days' worth per month,
where a bill of actual days charges 31 days in January: compare such charges to days x rate.
"""

from __future__ import annotations

import copy

import numpy as np

from bill_shape import bill_dict

# PySAM output (year-1 monthly arrays, "without system") behind each monthly component.
_MONTHLY_OUTPUTS = {
    "energy_kwh": "year1_monthly_use_wo_system",
    "peak_kw": "year1_monthly_peak_wo_system",
    "energy_cost": "year1_monthly_ec_charge_without_system",
    "demand_cost_tou": "year1_monthly_dc_tou_without_system",
    "demand_cost_flat": "year1_monthly_dc_fixed_without_system",
    "fixed_cost": "year1_monthly_fixed_without_system",
    "minimum_charge_adder": "year1_monthly_minimum_without_system",
}
_SCHEDULE_KEYS = ("energyweekdayschedule", "energyweekendschedule",
                  "demandweekdayschedule", "demandweekendschedule")

#: The calendar year whose weekdays PySAM's fixed calendar reproduces (Jan 1 is a Monday).
PYSAM_YEAR = 2018


def electricity_rates(rate: dict) -> dict:
    """PySAM ``ElectricityRates`` inputs for a URDB rate record.

    Parameters
    ----------
    rate : dict
        URDB rate record (URDB API field names).  Not modified.

    Returns
    -------
    dict
        Inputs for ``Utilityrate5.ElectricityRates.assign``: the converter's output, plus the
        older URDB field ``fixedmonthlycharge`` ($/month, ignored by the converter) as
        ``ur_monthly_fixed_charge`` when the record has no ``fixedchargefirstmeter``, and no
        rate escalation.

    Notes
    -----
    The converter adds 1 to every schedule entry *in place*; a list shared between the weekday
    and weekend schedules (or a row shared between months, as ``[row] * 12`` makes) would be
    incremented more than once.  A single ``copy.deepcopy`` of the record keeps such sharing, so
    every schedule is rebuilt row by row and the other fields are deep-copied one by one.
    """
    urdb = {key: ([[int(p) for p in row] for row in value] if key in _SCHEDULE_KEYS
                  else copy.deepcopy(value))
            for key, value in rate.items()}
    # a charge without units is $/month (URDB's default); the converter needs the key present
    if "mincharge" in urdb:
        urdb.setdefault("minchargeunits", "$/month")
    if "fixedchargefirstmeter" in urdb:
        urdb.setdefault("fixedchargeunits", "$/month")

    from PySAM.UtilityRateTools import URDBv8_to_ElectricityRates

    rates = URDBv8_to_ElectricityRates(urdb)
    if "ur_monthly_fixed_charge" not in rates and rate.get("fixedmonthlycharge") is not None:
        rates["ur_monthly_fixed_charge"] = float(rate["fixedmonthlycharge"])
    rates["rate_escalation"] = [0.0]
    return rates


def pysam_bill(rate: dict, load_kw: np.ndarray, steps_per_hour: int = 1) -> dict:
    """Year-1 monthly bill of ``load_kw`` under ``rate``, computed by PySAM ``Utilityrate5``.

    Parameters
    ----------
    rate : dict
        URDB rate record (URDB API field names).  Not modified.
    load_kw : numpy.ndarray
        Average kW of each time step, ``8760 * steps_per_hour`` values from January 1 00:00 of
        a 365-day year that starts on a Monday (year 2018).
    steps_per_hour : int, optional
        Time steps per hour (1 = hourly, 4 = 15-minute).

    Returns
    -------
    dict
        The bill in the shape of :func:`bill_shape.bill_dict` (``omf-der bill``'s shape): twelve
        monthly values of each component from PySAM's year-1 "without system" arrays, monthly
        totals and annual sums.
    """
    import PySAM.Utilityrate5 as Utilityrate5

    load = np.asarray(load_kw, dtype=float)
    if load.shape != (8760 * steps_per_hour,):
        raise ValueError(f"expected {8760 * steps_per_hour} load values, got {load.shape}")

    model = Utilityrate5.new()
    model.Lifetime.analysis_period = 1
    model.Lifetime.inflation_rate = 0.0
    model.Lifetime.system_use_lifetime_output = 0
    model.SystemOutput.gen = [0.0] * len(load)  # no system; its length sets the time step
    model.SystemOutput.degradation = [0.0]
    model.Load.load = load.tolist()
    model.Load.load_escalation = [0.0]
    model.ElectricityRates.assign(electricity_rates(rate))
    model.execute(0)

    out = model.Outputs.export()
    monthly = {name: [float(v) for v in out[key]] for name, key in _MONTHLY_OUTPUTS.items()}
    return bill_dict(monthly)



def pysam_bill_with_system(rate: dict, load_kw: np.ndarray, gen_kw: np.ndarray) -> dict:
    """Year-1 monthly bill (hourly, 2018 calendar) of a home with generation ``gen_kw``, by PySAM.

    Returns ``{"energy_cost", "demand_cost_tou", "total_cost"}`` (12 values each) from PySAM's
    "with system" arrays: the energy charge net of export credits (``charge_w_sys_ec_ym``), the
    TOU demand charge and the whole bill (``utility_bill_w_sys_ym``). The metering option comes
    from the rate's ``dgrules`` ("Net Metering" = 0, "Net Billing Instantaneous" = 2).
    """
    import PySAM.Utilityrate5 as Utilityrate5

    model = Utilityrate5.new()
    model.Lifetime.analysis_period = 1
    model.Lifetime.inflation_rate = 0.0
    model.Lifetime.system_use_lifetime_output = 0
    model.SystemOutput.gen = np.asarray(gen_kw, dtype=float).tolist()
    model.SystemOutput.degradation = [0.0]
    model.Load.load = np.asarray(load_kw, dtype=float).tolist()
    model.Load.load_escalation = [0.0]
    model.ElectricityRates.assign(electricity_rates(rate))
    model.execute(0)
    out = model.Outputs.export()
    year1 = {"energy_cost": "charge_w_sys_ec_ym", "demand_cost_tou": "charge_w_sys_dc_tou_ym",
             "total_cost": "utility_bill_w_sys_ym"}
    # the *_ym arrays are (years + 1) x 12 with year 0 first
    return {name: [float(v) for v in np.asarray(out[key])[1]] for name, key in year1.items()}
