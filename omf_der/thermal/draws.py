"""Hot-water draw profiles of the water-heater model: 19 households, 1-minute flows for a year.

The reference model reads metered flows of 19 households (a BPA file that is not public). This
project ships instead a seeded stochastic event schedule, ``static_data/wh_draw_events.csv``,
made once by ``static_data/make_wh_draws.py`` after the NREL Building America domestic-hot-water
event schedules (Hendron & Burch 2007, NREL/CP-550-40874; Wilson et al. 2014, House Simulation
Protocols, NREL/TP-5500-60988); that script's docstring states every number used. The households
draw about 50 gallons of hot water per day on average (about 18 to 80 gal/day from one to five
occupants), with morning and evening peaks and later mornings at weekends; minute 0 is 00:00 on a
Monday.

The event table (profile, start_minute, duration_min, flow_gpm) is turned into the 19 x 525,600
flow matrix here, once per process. Reading a table rather than re-generating the events keeps
the profiles identical across NumPy versions.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from ..resources import static_data_path
from ..seeds import WH_DRAW_PROFILES

MINUTES_PER_YEAR = 525_600
DRAW_EVENTS_FILE = "wh_draw_events.csv"


def read_draw_events(filename: str = DRAW_EVENTS_FILE) -> np.ndarray:
    """The shipped draw events as an ``(n_events, 4)`` float array.

    Columns: profile index (0 ... 18), start minute of the year (0 ... 525,599), duration in
    whole minutes (>= 1), hot-water flow in gal/min during each of those minutes.
    """
    events = np.loadtxt(static_data_path(filename), delimiter=",", skiprows=1, ndmin=2)
    profile, start, duration, flow = events.T
    if (profile.min() < 0 or profile.max() >= WH_DRAW_PROFILES or start.min() < 0
            or start.max() >= MINUTES_PER_YEAR or duration.min() < 1 or flow.min() < 0):
        raise ValueError(f"{filename}: an event is outside the year, the profiles or has negative flow")
    return events


def events_to_profiles(events: np.ndarray, n_profiles: int = WH_DRAW_PROFILES,
                       n_minutes: int = MINUTES_PER_YEAR) -> np.ndarray:
    """1-minute flow matrix (gal/min, float32, shape ``(n_profiles, n_minutes)``) from events.

    Overlapping events add up; an event running past the last minute continues at minute 0
    (the year is treated as periodic, like the time shifts of the tanks).
    """
    profile = events[:, 0].astype(np.int64)
    start = events[:, 1].astype(np.int64)
    duration = events[:, 2].astype(np.int64)
    event = np.repeat(np.arange(len(events)), duration)
    offset = np.arange(event.size) - np.repeat(np.cumsum(duration) - duration, duration)
    minute = (start[event] + offset) % n_minutes
    flat = np.bincount(profile[event] * n_minutes + minute, weights=events[event, 3],
                       minlength=n_profiles * n_minutes)
    return flat.reshape(n_profiles, n_minutes).astype(np.float32)


@cache
def draw_profiles_gpm() -> np.ndarray:
    """The 19 shipped 1-minute hot-water draw profiles, gal/min, shape ``(19, 525600)``.

    Built once per process from ``wh_draw_events.csv`` and returned read-only (about 40 MB).
    """
    profiles = events_to_profiles(read_draw_events())
    profiles.setflags(write=False)
    return profiles
