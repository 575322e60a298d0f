"""Write ``wh_draw_events.csv``: 19 households' hot-water draw events for one year, 1-minute grid.

    python static_data/make_wh_draws.py            # rewrites wh_draw_events.csv here
    python static_data/make_wh_draws.py --out DIR  # or writes it elsewhere, to compare

The reference model reads metered 1-minute hot-water flows of 19 households (a BPA file that is
not public). This script replaces them with a seeded stochastic event schedule in the spirit of
the NREL Building America domestic-hot-water (DHW) event schedules:

* R. Hendron and J. Burch (2007), "Development of Standardized Domestic Hot Water Event Schedules
  for Residential Buildings", NREL/CP-550-40874;
* E. Wilson, C. Engebrecht Metzger, S. Horowitz and R. Hendron (2014), "2014 Building America
  House Simulation Protocols", NREL/TP-5500-60988.

Five event types (shower, bath, sink, clothes washer, dishwasher) occur a Poisson number of times
per day, at hours drawn from an hour-of-day profile with morning and evening peaks (weekend
mornings later than weekday ones), with durations and *hot-water* flow rates drawn per event. The
numbers below are approximate, after the event statistics and hourly shapes of those reports (they
are not copied from their tables); they are chosen so that the 19 households average about
50 gallons of hot water per day, the size of the Building America benchmark for a 3-bedroom home.

Expected hot water per day of a household of ``n`` occupants, from the numbers below:

====================  ======================  ======================  ===================
event                 events per day          gallons per event       gallons per day
====================  ======================  ======================  ===================
shower                0.75 n                  8 min x 1.3 gpm = 10.4  7.8 n
bath                  0.06 n (x1.5 weekends)  20                      ~1.4 n
sink                  4 n                     0.9 (exponential)       3.6 n
clothes washer        0.3 + 0.2 n (x1.5 w/e)  4 min x 1.75 gpm = 7    ~2.4 + 1.6 n
dishwasher            0.2 + 0.1 n             3 min x 1.2 gpm = 3.6   0.72 + 0.36 n
====================  ======================  ======================  ===================

Occupants of the 19 households: 1, 2 x4, 3 x6, 4 x5, 5 x3 (mean 3.26). Day 0 is a Monday (as
1 January 2018, the default year). Draws shorter than a minute are spread over one whole minute
(flow = volume per minute). The event table is written with flows rounded to 0.001 gpm; the
model builds the 1-minute flow matrix from it at run time (``omf_der.thermal.draws``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

SEED = 20070801                   # fixed: the file must not change between runs
DAYS = 365
MINUTES_PER_DAY = 1440
OCCUPANTS = (1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5)
WEEKEND_DAYS = (5, 6)             # day % 7 with day 0 a Monday

# Relative hour-of-day weights (index = hour starting at 0:00), weekday and weekend.
_MORNING_EVENING = [1, 0.5, 0.3, 0.3, 0.5, 2, 6, 8, 6, 4, 3, 3, 3, 3, 2.5, 2.5, 3, 4, 5, 6, 6, 5, 3, 2]
_LATE_MORNING = [1, 0.5, 0.3, 0.3, 0.3, 0.5, 1.5, 3, 5, 7, 7, 5, 4, 3.5, 3, 3, 3.5, 4, 5, 5, 5, 4, 3, 2]
_SHOWER_WD = [0.5, 0.2, 0.1, 0.1, 0.5, 3, 10, 12, 7, 3, 2, 1, 1, 1, 1, 1, 1.5, 2, 2.5, 3, 3.5, 4, 3, 1.5]
_SHOWER_WE = [0.5, 0.3, 0.1, 0.1, 0.2, 0.5, 2, 5, 9, 10, 8, 5, 3, 2, 1.5, 1.5, 2, 2.5, 3, 3.5, 3.5, 3.5, 3, 1.5]
_BATH = [0.2, 0.1, 0, 0, 0, 0, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.5, 2, 3, 6, 8, 6, 3, 1]
_WASHER_WD = [0, 0, 0, 0, 0, 0, 0.5, 2, 4, 5, 5, 4, 3.5, 3, 3, 3, 3.5, 4, 5, 5, 4, 3, 1, 0.2]
_WASHER_WE = [0, 0, 0, 0, 0, 0, 0.2, 1, 3, 6, 7, 7, 6, 5, 4, 3.5, 3, 3, 3, 3, 2.5, 2, 1, 0.2]
_DISHWASHER = [0.5, 0.2, 0, 0, 0, 0, 0.5, 1.5, 2.5, 1.5, 1, 1, 1.5, 2, 1, 1, 1, 1.5, 3, 6, 8, 7, 4, 1.5]


def _daily_counts(rng: np.random.Generator, per_day: float, weekend_factor: float) -> np.ndarray:
    """Poisson number of events on each of the 365 days."""
    weekend = np.isin(np.arange(DAYS) % 7, WEEKEND_DAYS)
    return rng.poisson(per_day * np.where(weekend, weekend_factor, 1.0))


def _start_minutes(rng: np.random.Generator, counts: np.ndarray, weekday_w, weekend_w) -> np.ndarray:
    """Start minute of each event: day from ``counts``, hour from the day type's profile."""
    day = np.repeat(np.arange(DAYS), counts)
    weekend = np.isin(day % 7, WEEKEND_DAYS)
    hour = np.empty(day.size, dtype=np.int64)
    for mask, weights in ((~weekend, weekday_w), (weekend, weekend_w)):
        p = np.asarray(weights, dtype=float)
        hour[mask] = rng.choice(24, size=int(mask.sum()), p=p / p.sum())
    return day * MINUTES_PER_DAY + hour * 60 + rng.integers(0, 60, size=day.size)


def _events(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """Rows (start_minute, duration_min, flow_gpm) of one household of ``n`` occupants."""
    rows = []

    start = _start_minutes(rng, _daily_counts(rng, 0.75 * n, 1.0), _SHOWER_WD, _SHOWER_WE)
    dur = np.clip(np.rint(rng.normal(8.0, 3.0, start.size)), 2, 20)
    rows.append((start, dur, np.clip(rng.normal(1.3, 0.2, start.size), 0.7, 2.0)))

    start = _start_minutes(rng, _daily_counts(rng, 0.06 * n, 1.5), _BATH, _BATH)
    volume = np.clip(rng.normal(20.0, 5.0, start.size), 8.0, 35.0)
    dur = np.maximum(np.rint(volume / 4.0), 2)
    rows.append((start, dur, volume / dur))

    start = _start_minutes(rng, _daily_counts(rng, 4.0 * n, 1.0), _MORNING_EVENING, _LATE_MORNING)
    volume = np.clip(rng.exponential(0.9, start.size), 0.05, 4.0)
    dur = np.where(volume > 1.5, 2.0, 1.0)
    rows.append((start, dur, volume / dur))

    start = _start_minutes(rng, _daily_counts(rng, 0.3 + 0.2 * n, 1.5), _WASHER_WD, _WASHER_WE)
    rows.append((start, np.full(start.size, 4.0), np.clip(rng.normal(1.75, 0.3, start.size), 1.0, 2.5)))

    start = _start_minutes(rng, _daily_counts(rng, 0.2 + 0.1 * n, 1.0), _DISHWASHER, _DISHWASHER)
    rows.append((start, np.full(start.size, 3.0), np.clip(rng.normal(1.2, 0.2, start.size), 0.6, 1.8)))
    return rows


def event_table() -> np.ndarray:
    """All events of the 19 households, sorted by household and start: (profile, start, dur, gpm)."""
    rng = np.random.Generator(np.random.PCG64(SEED))
    parts = []
    for profile, n in enumerate(OCCUPANTS):
        for start, dur, flow in _events(rng, n):
            parts.append(np.column_stack([np.full(start.size, profile), start, dur, np.round(flow, 3)]))
    table = np.concatenate(parts)
    return table[np.lexsort((table[:, 2], table[:, 1], table[:, 0]))]


def write(out_dir: Path) -> Path:
    """Write ``wh_draw_events.csv`` into ``out_dir``; returns its path."""
    path = out_dir / "wh_draw_events.csv"
    lines = ["profile,start_minute,duration_min,flow_gpm"]
    lines += [f"{int(p)},{int(s)},{int(d)},{f:.3f}" for p, s, d, f in event_table()]
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    path = write(parser.parse_args().out)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
