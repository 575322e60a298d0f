"""Figures for the water-heater virtual battery: compile / cache load, warm run, profiles, memory.

    python bench/bench_water_heater.py

Each "first call" runs in a fresh Python process: once with an empty numba cache folder
(``NUMBA_CACHE_DIR`` set to a new temporary folder: includes compilation) and once with the
normal cache (loads the compiled code from disk). Not a test.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np
from timing import timed

from omf_der.resources import static_data_path

_FIRST_CALL = """
import time, numpy as np
from omf_der.resources import static_data_path
from omf_der.thermal.water_heater import water_heater_bounds
outdoor_c = (np.loadtxt(static_data_path("example_temperature_f.csv")) - 32.0) / 1.8
t0 = time.perf_counter()
water_heater_bounds(outdoor_c, 20.0)
print(time.perf_counter() - t0)
"""


def first_call_seconds(env_extra: dict[str, str]) -> float:
    """Seconds of the first ``water_heater_bounds`` call in a fresh process (profiles included)."""
    env = {**os.environ, **env_extra}
    out = subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.split()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as empty_cache:
        print(f"first call, empty numba cache (compile + profiles): "
              f"{first_call_seconds({'NUMBA_CACHE_DIR': empty_cache}):6.3f} s")
    first_call_seconds({})                                   # make sure the normal cache is filled
    print(f"first call, numba cache on disk (load + profiles):  {first_call_seconds({}):6.3f} s")

    from omf_der.thermal.draws import events_to_profiles, read_draw_events
    from omf_der.thermal.water_heater import water_heater_bounds
    t0 = time.perf_counter()
    events = read_draw_events()
    t_read = time.perf_counter() - t0
    print(f"read wh_draw_events.csv ({len(events):,} events):        {t_read:6.3f} s")
    print(f"build 19 x 525,600 profile matrix:                  {timed(lambda: events_to_profiles(events)):6.3f} s")
    tracemalloc.start()
    events_to_profiles(events)
    print(f"peak traced memory of building the profiles:        {tracemalloc.get_traced_memory()[1] / 1e6:6.1f} MB")
    tracemalloc.stop()

    outdoor_c = (np.loadtxt(static_data_path("example_temperature_f.csv")) - 32.0) / 1.8
    water_heater_bounds(outdoor_c, 20.0)                     # compile / load, profiles cached
    print(f"water_heater_bounds, defaults, warm (median of 7):  "
          f"{timed(lambda: water_heater_bounds(outdoor_c, 20.0)):6.3f} s")

    tracemalloc.start()
    water_heater_bounds(outdoor_c, 20.0)
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"peak traced memory of one warm call:                {peak_mb:6.1f} MB")
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process:               {rss_mb:6.1f} MB")


if __name__ == "__main__":
    main()
