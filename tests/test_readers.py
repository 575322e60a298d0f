"""Readers of uploads: forgiving about form, strict about content; EPW cross-checked with pvlib."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from omf_der.errors import InputError
from omf_der.readers import (c_to_f, f_to_c, looks_like_epw, read_epw_dry_bulb_c, read_json,
                             read_series, read_table, read_temperature_f)


def test_plain_column():
    assert read_series("1\n2.5\n-3e-1\n", "x").tolist() == [1.0, 2.5, -0.3]


def test_header_crlf_bom_blank_lines_and_trailing_blanks():
    text = "\ufeffLoad profile\r\nkW\r\n1.5 \r\n\r\n 2.5\r\n3\r\n\r\n   \r\n"
    assert read_series(text.encode("utf-8"), "x").tolist() == [1.5, 2.5, 3.0]
    assert read_series(b"1\r2\r3\r", "x").tolist() == [1.0, 2.0, 3.0]  # old Mac line ends


def test_timestamp_column_is_ignored():
    text = "timestamp,kW\n2018-01-01 00:00,1.25\n2018-01-01 01:00,2.5\n"
    assert read_series(text, "x").tolist() == [1.25, 2.5]


def test_quoted_numbers_and_semicolons():
    assert read_series('"1.5"\n"2"\n', "x").tolist() == [1.5, 2.0]
    assert read_series("t;v\na;1\nb;2\n", "x").tolist() == [1.0, 2.0]


def test_text_in_the_middle_names_the_line():
    with pytest.raises(InputError) as exc:
        read_series("kW\n1\n2\nabc\n4\nxyz\n", "demand_curve_kw")
    err = exc.value
    assert err.field == "demand_curve_kw"
    assert err.value == "abc"
    assert "line 4" in err.detail and "line(s) 6" in err.detail and "2 bad lines" in err.detail


@pytest.mark.parametrize("token", ["nan", "NaN", "inf", "-Infinity"])
def test_nan_and_infinity_rejected(token):
    with pytest.raises(InputError, match="finite") as exc:
        read_series(f"1\n{token}\n3\n", "x")
    assert "line 2" in exc.value.detail


@pytest.mark.parametrize("data", ["", "\n\n  \n", b""])
def test_empty_file(data):
    with pytest.raises(InputError, match="empty"):
        read_series(data, "x")


def test_only_text():
    with pytest.raises(InputError, match="only text"):
        read_series("hello\nworld\n", "x")


def test_binary_file_rejected():
    with pytest.raises(InputError, match="binary"):
        read_series(b"\x00\x01\x02PK\x03\x04", "x")


def test_two_numeric_columns_rejected_for_a_series():
    with pytest.raises(InputError, match="one column"):
        read_series("1,2\n3,4\n", "x")


def test_ragged_rows_rejected():
    with pytest.raises(InputError) as exc:
        read_table("1,2,3\n4,5\n6,7,8\n", "t", n_columns=3)
    assert "line 2" in exc.value.detail


def test_table_with_header_returns_line_numbers():
    table, lines = read_table("a,b,c\n1,2,3\n\n4,5,6\n", "t", n_columns=3)
    assert table.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert lines == [2, 4]


def test_too_many_header_lines():
    with pytest.raises(InputError, match="header lines"):
        read_series("x\n" * 25 + "1\n", "x")


def test_temperature_conversions_by_hand():
    assert c_to_f(np.array([-40.0, 0.0, 100.0])).tolist() == [-40.0, 32.0, 212.0]
    assert f_to_c(np.array([-40.0, 32.0, 212.0])).tolist() == [-40.0, 0.0, 100.0]


def test_json_errors_name_line_and_column():
    with pytest.raises(InputError) as exc:
        read_json('{\n  "a": 1,\n  "b": \n}', "tariff")
    assert exc.value.field == "tariff" and "line 4" in exc.value.detail
    with pytest.raises(InputError, match="empty"):
        read_json(b"  ", "tariff")
    assert read_json(b'\xef\xbb\xbf{"a": [1, 2]}', "t") == {"a": [1, 2]}


# --------------------------------------------------------------------------- EPW
def _epw_from_pvlib_tmy3() -> tuple[str, np.ndarray]:
    """An EPW file written from a TMY3 file that pvlib ships (Greensboro, NC), and its temperatures.

    Records follow the EnergyPlus weather format: 35 comma-separated fields, hour 1-24.
    """
    import pvlib

    path = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
    data, meta = pvlib.iotools.read_tmy3(path, map_variables=True)
    header = [
        f"LOCATION,{meta['Name']},{meta['State']},USA,TMY3,723170,{meta['latitude']},{meta['longitude']},"
        f"{meta['TZ']},{meta['altitude']}",
        "DESIGN CONDITIONS,0", "TYPICAL/EXTREME PERIODS,0", "GROUND TEMPERATURES,0",
        "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0", "COMMENTS 1,written by the omf-der tests",
        "COMMENTS 2,", "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
    ]
    rows = []
    days = pd.date_range("1990-01-01", periods=365, freq="D")  # a TMY: 365 days, records in order
    for i, t in enumerate(data["temp_air"]):
        day = days[i // 24]
        fields = [1990, day.month, day.day, i % 24 + 1, 60, "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9",
                  f"{t:.1f}", "0.0", "50", "101000", "0", "0", "300", "0", "0", "0", "0", "0", "0", "0",
                  "180", "2.0", "5", "5", "16.0", "77777", "9", "999999999", "0", "0.0", "0", "88",
                  "0.000", "0.0", "0.0"]
        rows.append(",".join(str(f) for f in fields))
    return "\r\n".join(header + rows) + "\r\n", data["temp_air"].to_numpy()


def test_epw_dry_bulb_agrees_with_pvlib():
    import pvlib

    text, original = _epw_from_pvlib_tmy3()
    ours, meta = read_epw_dry_bulb_c(text)
    theirs, _ = pvlib.iotools.read_epw(io.StringIO(text))
    assert len(ours) == 8760
    np.testing.assert_allclose(ours, theirs["temp_air"].to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours, original, atol=0.051)  # EPW keeps 0.1 °C
    assert meta["records_per_hour"] == 1
    assert meta["latitude"] == pytest.approx(36.1)
    assert looks_like_epw(text) and looks_like_epw(text.encode())
    np.testing.assert_allclose(read_temperature_f(text.encode()), ours * 1.8 + 32)


def test_epw_missing_value_and_garbage_rejected():
    text, _ = _epw_from_pvlib_tmy3()
    lines = text.split("\r\n")
    fields = lines[20].split(",")
    fields[6] = "99.9"
    lines[20] = ",".join(fields)
    with pytest.raises(InputError, match="99.9") as exc:
        read_epw_dry_bulb_c("\r\n".join(lines))
    assert exc.value.detail.startswith("line 21")
    with pytest.raises(InputError, match="EPW"):
        read_epw_dry_bulb_c("LOCATION,x\n1,2\n")


def test_not_epw_falls_back_to_csv():
    assert read_temperature_f("degF\n50\n51.5\n").tolist() == [50.0, 51.5]
    assert not looks_like_epw("50\n51\n")


def test_pandas_written_csv_roundtrip(tmp_path):
    values = np.round(np.random.default_rng(0).uniform(0, 10, 8760), 6)
    path = tmp_path / "load.csv"
    pd.DataFrame({"time": pd.date_range("2018-01-01", periods=8760, freq="h"), "kW": values}).to_csv(path, index=False)
    np.testing.assert_array_equal(read_series(path.read_bytes(), "x"), values)


def test_epw_with_bom_and_doubled_line_ends():
    text, original = _epw_from_pvlib_tmy3()
    data = b"\xef\xbb\xbf" + text.replace("\r\n", "\r\r\n").encode()
    assert looks_like_epw(data)
    ours, _ = read_epw_dry_bulb_c(data)
    np.testing.assert_allclose(ours, original, atol=0.051)


def test_epw_placed_on_the_calendar_by_date():
    """A typical-year EPW (no Feb 29) in a leap year: Feb 29 repeats Feb 28, March stays March."""
    text, original = _epw_from_pvlib_tmy3()
    normal = read_temperature_f(text, year=2018)
    leap = read_temperature_f(text, year=2020)
    assert len(normal) == len(leap) == 8760
    np.testing.assert_array_equal(normal, read_temperature_f(text))  # by position = by date in 2018
    feb28 = slice(58 * 24, 59 * 24)
    np.testing.assert_array_equal(leap[59 * 24: 60 * 24], normal[feb28])        # Feb 29 <- Feb 28
    np.testing.assert_array_equal(leap[60 * 24: 61 * 24], normal[59 * 24: 60 * 24])  # Mar 1 is Mar 1
    np.testing.assert_array_equal(leap[-24:], normal[-48:-24])                  # ends on Dec 30


def test_leap_year_epw_in_a_normal_year_drops_feb_29():
    from omf_der.calendar import align_daily_records

    days = np.arange(366)
    dates = pd.date_range("2020-01-01", periods=366, freq="D")
    values = np.repeat(days.astype(float), 24)
    month, day = np.repeat(dates.month, 24), np.repeat(dates.day, 24)
    out = align_daily_records(values, month, day, 2019)
    assert len(out) == 8760 and out[59 * 24] == 60.0  # 2019-03-01 takes 2020-03-01 (day 60)
    out = align_daily_records(values, month, day, 2020)
    assert len(out) == 8760 and out[59 * 24] == 59.0 and out[-1] == 364.0  # Feb 29 kept, Dec 31 dropped
    with pytest.raises(InputError, match="no records for Jan 1"):
        align_daily_records(values[24:], month[24:], day[24:], 2019)
