"""Exports (negative net load) against NREL PySAM Utilityrate5 with a generating system.

A home with a midday generator profile under a two-period TOU rate with tiers, ``sell`` rates and
TOU demand: net metering ("Net Metering", kWh netted per month and period before tiers) and net
billing ("Net Billing Instantaneous", exports at the sell rate). The load is chosen so that no
period nets an export over a month, where SAM would carry kWh credits to later months and we
settle them within the month (documented in omf_der.tariff.bill).
"""

from __future__ import annotations

import numpy as np
import pytest

from bill_shape import close
from omf_der import Calendar
from omf_der.tariff import Tariff, bill
from pysam_ref import PYSAM_YEAR, pysam_bill_with_system

ROWS = [[0] * 12 + [1] * 8 + [0] * 4 for _ in range(12)]


def _rate(rules: str) -> dict:
    return {"dgrules": rules,
            "energyratestructure": [[{"rate": 0.10, "max": 500, "sell": 0.03}, {"rate": 0.20, "sell": 0.03}],
                                    [{"rate": 0.15, "max": 500, "sell": 0.05}, {"rate": 0.25, "sell": 0.05}]],
            "energyweekdayschedule": [list(r) for r in ROWS], "energyweekendschedule": [list(r) for r in ROWS],
            "demandratestructure": [[{"rate": 2.0}], [{"rate": 8.0}]],
            "demandweekdayschedule": [list(r) for r in ROWS], "demandweekendschedule": [list(r) for r in ROWS]}


def _home() -> tuple[np.ndarray, np.ndarray]:
    load = np.random.default_rng(3).uniform(0.5, 3.0, 8760)
    hour = np.arange(8760) % 24
    gen = np.where((hour >= 10) & (hour < 16), 3.5 * np.sin((hour - 9) / 7 * np.pi), 0.0)
    return load, gen


@pytest.mark.parametrize("rules", ["Net Metering", "Net Billing Instantaneous"])
def test_exports_match_pysam(rules):
    pytest.importorskip("PySAM")
    load, gen = _home()
    net = load - gen
    assert (net < 0).sum() > 500                       # the home exports in many hours
    rate = _rate(rules)
    ours = bill(Tariff.from_urdb(rate), net, Calendar(PYSAM_YEAR))
    ref = pysam_bill_with_system(rate, load, gen)
    series = Tariff.from_urdb(rate).on(Calendar(PYSAM_YEAR))
    period_net = np.bincount(series.calendar.month * 2 + series.energy_period, net, minlength=24)
    assert period_net.min() > 0                        # no monthly kWh credit to carry over
    mine = {"energy_cost": ours.energy_cost - ours.export_credit, "demand_cost_tou": ours.demand_cost_tou,
            "total_cost": ours.total_cost}
    bad = [(k, m + 1, float(mine[k][m]), ref[k][m]) for k in ref for m in range(12)
           if not close(float(mine[k][m]), ref[k][m])]
    assert not bad, bad
    if rules == "Net Metering":      # netted inside the energy charge, below the gross purchases' cost
        assert ours.export_credit.sum() == 0
        gross = bill(Tariff.from_urdb(rate), np.maximum(net, 0), Calendar(PYSAM_YEAR))
        assert (ours.energy_cost < gross.energy_cost).all()
    else:
        assert ours.export_credit.sum() > 0
