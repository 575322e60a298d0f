"""Utility tariffs: URDB rate records and simple rates as arrays, demand groups and monthly bills.

>>> from omf_der import Calendar
>>> from omf_der.tariff import Tariff, bill
>>> t = Tariff.simple(energy_rate=0.12, demand_rate=10.0)
>>> b = bill(t, [1.0] * 8760, Calendar(2018))
>>> round(float(b.total_cost.sum()), 2)   # 8760 kWh x 0.12 + 12 months x 1 kW x 10 $/kW
1171.2
"""

from .bill import ANNUAL_KEYS, MONTHLY_KEYS, Bill, bill
from .model import DEMAND_METHODS, CoincidentPeak, Tariff, TierTable
from .openei import fetch_rate
from .series import DemandGroup, Ratchet, TariffSeries
from .urdb import unwrap_urdb_response, urdb_problems, validate_urdb_shape

__all__ = ["ANNUAL_KEYS", "DEMAND_METHODS", "MONTHLY_KEYS", "Bill", "CoincidentPeak", "DemandGroup",
           "Ratchet", "Tariff", "TariffSeries", "TierTable", "bill", "fetch_rate", "unwrap_urdb_response",
           "urdb_problems", "validate_urdb_shape"]
