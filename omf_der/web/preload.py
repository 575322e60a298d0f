"""Imported once by the process server that forks the runs (see :mod:`omf_der.web.jobs`), so
that every run starts warm: the models and their engines are imported and the water heater's
compiled simulation is loaded from numba's cache (about 0.5 s a run otherwise). Importing it
anywhere else is harmless and only costs that time.
"""

from __future__ import annotations

import numpy as np

import omf_der.models.derConsumer  # noqa: F401  (imported for the forked runs)
import omf_der.models.vbatDispatch  # noqa: F401
import omf_der.runner  # noqa: F401
from omf_der.thermal import water_heater_bounds


def _warm_up() -> None:
    try:
        water_heater_bounds(np.full(8760, 10.0), seed=0)
    except Exception:   # only a warm-up: the run itself reports any real problem
        pass


_warm_up()
