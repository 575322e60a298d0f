"""Generator fuels: units, heating values and the model's default cost and efficiency per fuel.

The default cost, efficiency and available quantity per fuel are those the reference model's
page fills in when the fuel type changes (derConsumer template, ``loadDefaultParameters``).
Natural gas is counted in cubic feet (ft³), the liquid fuels in US gallons, consistently in
every input and output (the reference handed ft³ to REopt as gallons: defect D15).

Higher heating values (HHV) are U.S. EIA figures ("Energy conversion calculators" and Monthly
Energy Review, Appendix A, 2023 values): natural gas 1,036 Btu/ft³; propane 91,452 Btu/gal;
distillate fuel oil / diesel 137,381 Btu/gal; motor gasoline 120,214 Btu/gal (incl. ethanol).
"""

from __future__ import annotations

from dataclasses import dataclass

BTU_PER_KWH = 3412.14  # 1 kWh = 3,412.14 Btu


@dataclass(frozen=True)
class Fuel:
    key: str
    label: str
    omf_code: int            # the reference's fuel_type number
    unit: str                # "ft3" or "gal"
    hhv_btu_per_unit: float
    default_cost_usd_per_unit: float
    default_efficiency_pct: float
    default_available_units: float

    @property
    def hhv_kwh_per_unit(self) -> float:
        """Heating value in kWh of fuel energy per unit (ft³ or gal)."""
        return self.hhv_btu_per_unit / BTU_PER_KWH

    def units_for_kwh(self, electric_kwh, efficiency_fraction: float):
        """Fuel (ft³ or gal) a generator of the given efficiency burns for ``electric_kwh``."""
        return electric_kwh / (efficiency_fraction * self.hhv_kwh_per_unit)

    @property
    def unit_label(self) -> str:
        return "ft³" if self.unit == "ft3" else "gal"


FUELS: dict[str, Fuel] = {f.key: f for f in (
    Fuel("natural_gas", "Natural gas", 1, "ft3", 1036.0, 0.00386, 30.0, 1000.0),
    Fuel("propane", "Propane", 2, "gal", 91452.0, 2.70, 25.0, 1000.0),
    Fuel("diesel", "Diesel", 3, "gal", 137381.0, 3.80, 35.0, 1000.0),
    Fuel("gasoline", "Gasoline", 4, "gal", 120214.0, 3.17, 25.0, 1000.0),
)}
DEFAULT_FUEL = "diesel"
