"""Calendar: month lengths, weekdays, leap-year rule and sub-hourly steps, checked against
Python's own datetime and the reference model's month table (omf_derconsumer.md §3.2)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from omf_der.calendar import Calendar, steps_per_hour_for_length
from omf_der.errors import InputError

# days per month as a wall calendar lists them; in leap years December loses its 31st
DAYS = {
    2018: [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
    2020: [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 30],
    2023: [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31],
    2024: [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 30],
}
# weekday of January 1 (Monday = 0): 2018 Mon, 2020 Wed, 2023 Sun, 2024 Mon
JAN1 = {2018: 0, 2020: 2, 2023: 6, 2024: 0}

# the reference model's month table (half-open hour ranges), normal and leap year
REF_NORMAL = [0, 744, 1416, 2160, 2880, 3624, 4344, 5088, 5832, 6552, 7296, 8016, 8760]
REF_LEAP = [0, 744, 1440, 2184, 2904, 3648, 4368, 5112, 5856, 6576, 7320, 8040, 8760]


@pytest.mark.parametrize("year", sorted(DAYS))
def test_month_lengths(year):
    cal = Calendar(year)
    assert cal.n_steps == 8760
    assert cal.days_per_month.tolist() == DAYS[year]
    assert cal.steps_per_month.tolist() == [24 * d for d in DAYS[year]]
    assert sum(cal.steps_per_month) == 8760


@pytest.mark.parametrize("year", sorted(JAN1))
def test_weekday_of_january_first(year):
    cal = Calendar(year)
    assert cal.weekday[0] == JAN1[year] == dt.date(year, 1, 1).weekday()
    assert cal.is_weekend[0] == (JAN1[year] >= 5)


@pytest.mark.parametrize("year,table", [(2018, REF_NORMAL), (2023, REF_NORMAL), (2020, REF_LEAP), (2024, REF_LEAP)])
def test_month_table_matches_reference(year, table):
    cal = Calendar(year)
    assert cal.month_starts.tolist() == table
    assert [(s.start, s.stop) for s in cal.month_slices] == list(zip(table[:-1], table[1:]))


@pytest.mark.parametrize("year", [2018, 2020, 2023, 2024])
def test_every_step_against_python_datetime(year):
    cal = Calendar(year)
    start = dt.datetime(year, 1, 1)
    stamps = [start + dt.timedelta(hours=h) for h in range(8760)]
    assert cal.month.tolist() == [s.month - 1 for s in stamps]
    assert cal.hour.tolist() == [s.hour for s in stamps]
    assert cal.weekday.tolist() == [s.weekday() for s in stamps]
    assert cal.is_weekend.tolist() == [s.weekday() >= 5 for s in stamps]
    assert list(cal.timestamps.to_pydatetime()) == stamps


def test_leap_year_keeps_feb_29_and_drops_dec_31():
    cal = Calendar(2020)
    ts = cal.timestamps
    assert (ts.month == 2).sum() == 29 * 24
    assert ts[-1] == pd.Timestamp("2020-12-30 23:00")
    assert not ((ts.month == 12) & (ts.day == 31)).any()
    assert Calendar(2018).timestamps[-1] == pd.Timestamp("2018-12-31 23:00")


def test_fifteen_minute_steps():
    cal = Calendar(2018, steps_per_hour=4)
    assert cal.n_steps == 35040 and cal.step_hours == 0.25
    assert cal.month_starts[1] == 31 * 24 * 4
    assert cal.hour[:8].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert cal.timestamps[5] == pd.Timestamp("2018-01-01 01:15")
    expected = pd.date_range("2018-01-01", periods=35040, freq="15min")
    assert (cal.timestamps == expected).all()
    leap = Calendar(2024, 4)
    assert leap.days_per_month.tolist() == DAYS[2024]
    assert leap.timestamps[-1] == pd.Timestamp("2024-12-30 23:45")


def test_half_hour_steps():
    cal = Calendar(2023, steps_per_hour=2)
    assert cal.n_steps == 17520
    assert cal.steps_per_month.tolist() == [48 * d for d in DAYS[2023]]
    # 2023-01-07 is a Saturday: steps of that day are weekend, the day before is not
    assert cal.is_weekend[6 * 48] and not cal.is_weekend[5 * 48]


def test_weekend_days_2018():
    cal = Calendar(2018)
    weekend_days = np.unique(cal.day_of_year[cal.is_weekend])
    # Jan 6 2018 was the first Saturday: day_of_year 5; 52 weekends + Sat? 2018 has 104 weekend days
    assert weekend_days[:2].tolist() == [5, 6]
    assert len(weekend_days) == 104


def test_monthly_sum_and_max_by_hand():
    cal = Calendar(2018)
    ones = np.ones(8760)
    assert cal.monthly_sum(ones).tolist() == [24 * d for d in DAYS[2018]]
    series = np.zeros(8760)
    series[744] = 7.0   # first hour of February
    series[743] = 3.0   # last hour of January
    assert cal.monthly_max(series)[:3].tolist() == [3.0, 7.0, 0.0]


@pytest.mark.parametrize("year", [1899, 2101, 2018.5, "2018", True])
def test_bad_year(year):
    with pytest.raises(InputError) as exc:
        Calendar(year)
    assert exc.value.field == "year"


def test_bad_steps_per_hour():
    with pytest.raises(InputError, match="1, 2 or 4"):
        Calendar(2018, 3)


def test_length_check_hints_at_leap_day():
    cal = Calendar(2020)
    with pytest.raises(InputError, match="drop December 31"):
        cal.check_length(np.zeros(8784), "demand_curve_kw")
    cal.check_length(np.zeros(8760), "demand_curve_kw")


def test_steps_per_hour_for_length():
    assert [steps_per_hour_for_length(n) for n in (8760, 17520, 35040)] == [1, 2, 4]
    with pytest.raises(InputError, match="8760, 17520, 35040"):
        steps_per_hour_for_length(8000)
