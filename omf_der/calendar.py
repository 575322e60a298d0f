"""The analysis year as time steps: months, hours, weekdays.

A year always has 8760 hours (REopt's convention, followed by the reference model): in a leap
year February 29 is kept and **December 31 is dropped**, so the year ends on December 30 at
23:00. Step ``i`` is the interval that begins at ``timestamps[i]`` and lasts
``1 / steps_per_hour`` hours; the first step begins on January 1 at 00:00 of ``year``, and its
value is the average over that interval (what metering calls the value of the hour *ending* at
01:00, and what the URDB schedules call hour 0). Weekdays come from the real calendar of
``year`` (Monday = 0 ... Sunday = 6); no holidays are applied.

Everything is computed with numpy ``datetime64`` arithmetic (no Python loop per step).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .errors import InputError

HOURS_PER_YEAR = 8760
STEPS_PER_HOUR_ALLOWED = (1, 2, 4)
YEAR_MIN, YEAR_MAX = 1900, 2100
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_leap(year: int) -> bool:
    """Gregorian leap-year rule."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def steps_per_hour_for_length(n: int, field: str = "series") -> int:
    """Steps per hour implied by a one-year series of ``n`` values (8760, 17520 or 35040)."""
    for sph in STEPS_PER_HOUR_ALLOWED:
        if n == HOURS_PER_YEAR * sph:
            return sph
    allowed = ", ".join(f"{HOURS_PER_YEAR * s}" for s in STEPS_PER_HOUR_ALLOWED)
    raise InputError(field, f"{n} values", f"one year of values: {allowed} (1, 2 or 4 per hour)")


@dataclass(frozen=True)
class Calendar:
    """Time steps of one analysis year.

    Parameters
    ----------
    year : int
        Calendar year of the data (1900-2100); decides weekdays and the leap-year rule.
    steps_per_hour : int
        1 (hourly, 8760 steps), 2 (17520) or 4 (15-minute, 35040).
    """

    year: int
    steps_per_hour: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, (int, np.integer)) \
                or not YEAR_MIN <= self.year <= YEAR_MAX:
            raise InputError("year", self.year, f"a whole year from {YEAR_MIN} to {YEAR_MAX}")
        if self.steps_per_hour not in STEPS_PER_HOUR_ALLOWED:
            raise InputError("steps_per_hour", self.steps_per_hour, "1, 2 or 4 steps per hour")

    # ----------------------------------------------------------------- sizes
    @property
    def n_steps(self) -> int:
        """Number of time steps in the year (8760 x steps_per_hour)."""
        return HOURS_PER_YEAR * self.steps_per_hour

    @property
    def step_hours(self) -> float:
        """Length of one step in hours (1, 0.5 or 0.25)."""
        return 1.0 / self.steps_per_hour

    @property
    def is_leap(self) -> bool:
        return is_leap(self.year)

    # ----------------------------------------------------------------- per-step arrays
    @cached_property
    def _minutes(self) -> np.ndarray:
        """Minutes since Jan 1 00:00 at the start of each step."""
        return np.arange(self.n_steps, dtype=np.int64) * (60 // self.steps_per_hour)

    @cached_property
    def timestamps_np(self) -> np.ndarray:
        """Start of each step as ``datetime64[m]``."""
        start = np.datetime64(f"{self.year:04d}-01-01T00:00", "m")
        out = start + self._minutes.astype("timedelta64[m]")
        out.flags.writeable = False
        return out

    @property
    def timestamps(self) -> "pd.DatetimeIndex":  # noqa: F821 (pandas imported lazily)
        """Start of each step as a pandas index (for tables and plots)."""
        import pandas as pd  # lazily: most runs never need it

        return pd.DatetimeIndex(self.timestamps_np.astype("datetime64[ns]"), name="timestamp")

    @cached_property
    def _dates(self) -> np.ndarray:
        return self.timestamps_np.astype("datetime64[D]")

    @cached_property
    def month(self) -> np.ndarray:
        """Month of each step, 0 = January ... 11 = December."""
        m = (self.timestamps_np.astype("datetime64[M]").astype(np.int64) % 12).astype(np.int8)
        m.flags.writeable = False
        return m

    @cached_property
    def hour(self) -> np.ndarray:
        """Hour of day of each step's start, 0-23 (the column of a URDB 12x24 schedule)."""
        h = ((self._minutes // 60) % 24).astype(np.int8)
        h.flags.writeable = False
        return h

    @cached_property
    def day_of_year(self) -> np.ndarray:
        """Day of year of each step, 0 = January 1."""
        d = (self._minutes // 1440).astype(np.int16)
        d.flags.writeable = False
        return d

    @cached_property
    def day_of_month(self) -> np.ndarray:
        """Day of the month of each step, 1-31."""
        d = (self._dates - self._dates.astype("datetime64[M]")).astype(np.int64) + 1
        d = d.astype(np.int8)
        d.flags.writeable = False
        return d

    @cached_property
    def weekday(self) -> np.ndarray:
        """Day of week of each step from the real calendar, 0 = Monday ... 6 = Sunday."""
        # 1970-01-01 (day 0 of datetime64[D]) was a Thursday (weekday 3).
        w = ((self._dates.astype(np.int64) + 3) % 7).astype(np.int8)
        w.flags.writeable = False
        return w

    @cached_property
    def is_weekend(self) -> np.ndarray:
        """True on Saturdays and Sundays (the URDB weekend schedule applies)."""
        w = self.weekday >= 5
        w.flags.writeable = False
        return w

    # ----------------------------------------------------------------- months
    @cached_property
    def month_starts(self) -> np.ndarray:
        """Index of the first step of each month plus the end (13 values)."""
        starts = np.searchsorted(self.month, np.arange(12), side="left")
        out = np.append(starts, self.n_steps)
        out.flags.writeable = False
        return out

    @property
    def month_slices(self) -> list[slice]:
        """Twelve half-open slices of the step axis, one per month."""
        s = self.month_starts
        return [slice(int(s[m]), int(s[m + 1])) for m in range(12)]

    @property
    def steps_per_month(self) -> np.ndarray:
        return np.diff(self.month_starts)

    @property
    def days_per_month(self) -> np.ndarray:
        """Days of each month covered by the year (December has 30 in leap years)."""
        return self.steps_per_month // (24 * self.steps_per_hour)

    def monthly_sum(self, series: np.ndarray) -> np.ndarray:
        """Sum of a per-step series over each month (12 values)."""
        return np.add.reduceat(np.asarray(series, dtype=float), self.month_starts[:-1])

    def monthly_max(self, series: np.ndarray) -> np.ndarray:
        """Maximum of a per-step series in each month (12 values)."""
        return np.maximum.reduceat(np.asarray(series, dtype=float), self.month_starts[:-1])

    def check_length(self, series: np.ndarray, field: str) -> None:
        """Raise :class:`InputError` unless ``series`` has one value per step."""
        n = len(series)
        if n != self.n_steps:
            hint = ""
            if n == self.n_steps + 24 * self.steps_per_hour:
                hint = (" (in a leap year, drop December 31)" if self.is_leap else
                        f"; {n} values make a leap year, but {self.year} is not one: check the year")
            raise InputError(field, f"{n} values",
                             f"{self.n_steps} values, one per step of {self.year} at "
                             f"{self.steps_per_hour} per hour{hint}")


def align_daily_records(values: np.ndarray, month: np.ndarray, day: np.ndarray, year: int,
                        records_per_hour: int = 1, field: str = "series") -> np.ndarray:
    """Place dated records (e.g. of an EPW weather file) on the calendar of ``year`` by date.

    Each day of ``year``'s calendar (Feb 29 kept, Dec 31 dropped in leap years) takes the records
    of the same month and day; a typical-year file without Feb 29 lends Feb 28 to Feb 29 of a
    leap year, and a leap-year file's Feb 29 is left out in other years. Records must come in
    whole days of ``24 * records_per_hour``.
    """
    per_day = 24 * records_per_hour
    values = np.asarray(values, dtype=float)
    if len(values) % per_day:
        raise InputError(field, f"{len(values)} records",
                         f"whole days of {per_day} records ({records_per_hour} per hour)")
    month = np.asarray(month).reshape(-1, per_day)
    day = np.asarray(day).reshape(-1, per_day)
    if (month != month[:, :1]).any() or (day != day[:, :1]).any():
        raise InputError(field, "records of a day with different dates",
                         f"{per_day} records per date, in order")
    source = {(int(m), int(d)): i for i, (m, d) in enumerate(zip(month[:, 0], day[:, 0]))}
    if len(source) != len(month):
        raise InputError(field, "a date given twice", "each date once")
    cal = Calendar(year, 1)
    target_m = cal.month[::24].astype(int) + 1
    target_d = cal.day_of_month[::24].astype(int)
    rows = []
    for m, d in zip(target_m, target_d):
        i = source.get((m, d))
        if i is None and (m, d) == (2, 29):
            i = source.get((2, 28))
        if i is None:
            raise InputError(field, f"no records for {MONTH_NAMES[m - 1]} {d}",
                             f"records for every day of {year}")
        rows.append(i)
    return values.reshape(-1, per_day)[rows].ravel()
