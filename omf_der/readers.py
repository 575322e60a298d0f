"""Readers for uploaded and file inputs: one-column curves, EPW weather, the water-heater
random numbers, and JSON documents.

Readers are forgiving about form and strict about content. They accept bytes or text,
a UTF-8 byte-order mark, CRLF or CR line ends, header lines at the top, blank lines and
trailing blanks, and a CSV whose other columns are timestamps. They reject text where a
number belongs, NaN or infinite values and wrong lengths, with an :class:`InputError` that
names the field, the offending line and what is allowed. Lengths are checked by the caller,
which knows the calendar.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np

from .calendar import align_daily_records
from .errors import InputError

MAX_HEADER_LINES = 20
_MAX_BAD_LINES_SHOWN = 3
_SPLIT = re.compile(r"[,;\t]")
# a plain ASCII decimal number: no underscores, no non-ASCII digits, no hex
NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_NONFINITE = frozenset({"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
DECIMAL_COMMA_HINT = " (use '.' as the decimal separator, not a comma)"


def as_text(data: bytes | str, field: str) -> str:
    """Decode an upload: UTF-8 (with or without BOM), UTF-16 with BOM (Excel "Unicode text",
    Windows PowerShell redirects), else Latin-1 as a fallback for old exports."""
    if isinstance(data, str):
        text = data
    else:
        raw = bytes(data)
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                text = raw.decode("utf-16")
            except UnicodeDecodeError:
                raise InputError(field, "a damaged UTF-16 file", "a text file in UTF-8 or UTF-16") from None
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
    if "\x00" in text:
        raise InputError(field, "binary data", "a text file (CSV or JSON), not a binary file")
    return text.lstrip("\ufeff")


def parse_number(token: str) -> float | None:
    """A finite float from a plain ASCII decimal, or None when ``token`` is not one.

    Raises ``ValueError`` for NaN/infinity, which look numeric but are not allowed, and for
    numbers too large for a float.
    """
    if NUMBER.fullmatch(token):
        v = float(token)  # a matched literal cannot fail; it may overflow to inf
        if math.isinf(v):
            raise ValueError(token)
        return v
    if token.lower() in _NONFINITE:
        raise ValueError(token)
    return None


def _lines(text: str) -> list[tuple[int, str]]:
    """Non-blank lines with their 1-based line numbers (CRLF/CR tolerated, blanks stripped)."""
    return [(i, s.strip()) for i, s in enumerate(text.splitlines(), start=1) if s.strip()]


def _number(token: str) -> float | None:
    """:func:`parse_number` of a CSV cell (blanks and quotes around it tolerated)."""
    return parse_number(token.strip().strip('"').strip("'").strip())


def _bad(field: str, bad: list[tuple[int, str]], expected: str) -> InputError:
    """One error for the first bad line, mentioning how many more there are."""
    lineno, token = bad[0]
    detail = f"line {lineno}"
    if len(bad) > 1:
        others = ", ".join(str(n) for n, _ in bad[1:1 + _MAX_BAD_LINES_SHOWN])
        etc = ", ..." if len(bad) > 1 + _MAX_BAD_LINES_SHOWN else ""
        detail += f"; also line(s) {others}{etc} ({len(bad)} bad lines in all)"
    return InputError(field, token, expected, detail=detail)


def read_table(data: bytes | str, field: str, n_columns: int | None = None) -> tuple[np.ndarray, list[int]]:
    """Parse a numeric CSV into a 2-D float array, skipping header lines at the top.

    Lines are split on commas, semicolons or tabs. Leading lines without any number are header
    lines (at most ``MAX_HEADER_LINES``). If ``n_columns`` is given, each data row must have that
    many numeric values; otherwise the numeric columns of the first data row decide. Returns the
    array and the 1-based line number of each row.
    """
    lines = _lines(as_text(data, field))
    if not lines:
        raise InputError(field, "an empty file", "a file with one number per line")
    rows: list[list[str]] = [_SPLIT.split(s) for _, s in lines]

    def numeric_cols(tokens: list[str]) -> list[int]:
        cols = []
        for j, tok in enumerate(tokens):
            try:
                if _number(tok) is not None:
                    cols.append(j)
            except ValueError:
                cols.append(j)  # NaN/inf count as numeric here and are rejected below
        return cols

    # header lines: leading lines with no numeric token at all
    start = 0
    while start < len(rows) and not numeric_cols(rows[start]):
        start += 1
    if start == len(rows):
        raise _bad(field, [(lines[0][0], lines[0][1])], "numbers (the file has only text)")
    if start > MAX_HEADER_LINES:
        raise InputError(field, lines[0][1], f"at most {MAX_HEADER_LINES} header lines before the numbers")

    first = rows[start]
    cols = numeric_cols(first)  # non-numeric columns (e.g. timestamps) are ignored
    if n_columns is not None and len(cols) != n_columns:
        raise _bad(field, [(lines[start][0], lines[start][1])],
                   f"{n_columns} comma-separated numbers per line" + DECIMAL_COMMA_HINT)
    width = len(first)

    values = np.empty((len(rows) - start, len(cols)), dtype=float)
    bad: list[tuple[int, str]] = []
    nonfinite: list[tuple[int, str]] = []
    for r, ((lineno, text), tokens) in enumerate(zip(lines[start:], rows[start:])):
        if len(tokens) != width:
            bad.append((lineno, text))
            continue
        for c, j in enumerate(cols):
            try:
                v = _number(tokens[j])
            except ValueError:
                nonfinite.append((lineno, tokens[j].strip()))
                continue
            if v is None:
                bad.append((lineno, tokens[j].strip() or text))
                continue
            values[r, c] = v
    if nonfinite:
        raise _bad(field, nonfinite, "finite numbers (no NaN or infinity)")
    if bad:
        what = "one number per line" if len(cols) == 1 else f"{len(cols)} numbers per line"
        raise _bad(field, bad, f"{what} (text is allowed only in header lines at the top)")
    return values, [n for n, _ in lines[start:]]


def is_json_array(text: str) -> bool:
    """True when an upload's text is a JSON array (``[1.5, 2, ...]``) rather than CSV."""
    return text[:64].lstrip("\ufeff \t\r\n")[:1] == "["


def read_series(data: bytes | str, field: str) -> np.ndarray:
    """One column of numbers from a CSV upload (header lines and a timestamp column tolerated)."""
    table, _ = read_table(data, field)
    if table.shape[1] != 1:
        raise InputError(field, f"{table.shape[1]} numeric columns",
                         "one column of numbers (optionally beside a timestamp column)" + DECIMAL_COMMA_HINT)
    return table[:, 0].copy()


# --------------------------------------------------------------------------- EPW
_EPW_HEADER_LINES = 8
_EPW_DRY_BULB_COL = 6          # 0-based: year, month, day, hour, minute, flags, dry bulb
_EPW_MISSING_DRY_BULB = 99.9   # EnergyPlus "missing" marker for dry-bulb temperature


def looks_like_epw(data: bytes | str) -> bool:
    """True for an EnergyPlus weather file (its first line starts with ``LOCATION``)."""
    head = data[:64]
    if isinstance(head, bytes):
        head = head.removeprefix(b"\xef\xbb\xbf").decode("latin-1")
    return head.lstrip("\ufeff").lstrip().upper().startswith("LOCATION")


def read_epw_dry_bulb_c(data: bytes | str, field: str = "temperature_curve_f") -> tuple[np.ndarray, dict]:
    """Dry-bulb temperature (°C) of an EnergyPlus Weather (EPW) file, with its dates and location.

    Follows the EPW format of the EnergyPlus Auxiliary Programs manual: 8 header lines
    (``LOCATION`` ... ``DATA PERIODS``), then one comma-separated record per interval: year,
    month, day, hour, minute, flags, dry-bulb temperature (°C), ...; 99.9 marks a missing
    dry-bulb value and is rejected. Blank lines are skipped.

    Returns
    -------
    dry_bulb_c : ndarray
        One value per record, in file order.
    meta : dict
        ``city``, ``state``, ``country``, ``latitude``, ``longitude``, ``tz``, ``elevation_m``,
        ``records_per_hour`` (from ``DATA PERIODS``), and ``month``, ``day`` (int arrays, one per
        record).
    """
    lines = _lines(as_text(data, field))
    if len(lines) <= _EPW_HEADER_LINES or not looks_like_epw(lines[0][1]):
        raise InputError(field, lines[0][1][:40] if lines else "an empty file",
                         "an EPW weather file (first line LOCATION, 8 header lines, then hourly records)")
    loc = lines[0][1].split(",")
    meta: dict = {"records_per_hour": 1}
    try:
        meta.update(city=loc[1].strip(), state=loc[2].strip(), country=loc[3].strip(),
                    latitude=float(loc[6]), longitude=float(loc[7]), tz=float(loc[8]),
                    elevation_m=float(loc[9]))
    except (IndexError, ValueError):
        raise InputError(field, lines[0][1][:40],
                         "an EPW LOCATION line with latitude, longitude, time zone, elevation") from None
    periods = lines[7][1].split(",")
    if periods[0].strip().upper() == "DATA PERIODS" and len(periods) > 2 and periods[2].strip().isdigit():
        meta["records_per_hour"] = max(1, int(periods[2]))
    records = lines[_EPW_HEADER_LINES:]
    temps = np.empty(len(records))
    month = np.empty(len(records), dtype=np.int8)
    day = np.empty(len(records), dtype=np.int8)
    bad: list[tuple[int, str]] = []
    for i, (lineno, line) in enumerate(records):
        tokens = line.split(",")
        try:
            m, d = int(tokens[1]), int(tokens[2])
            v = _number(tokens[_EPW_DRY_BULB_COL])
        except (IndexError, ValueError):
            m = d = 0
            v = None
        if v is None or v >= _EPW_MISSING_DRY_BULB or not (1 <= m <= 12 and 1 <= d <= 31):
            bad.append((lineno, tokens[_EPW_DRY_BULB_COL].strip() if len(tokens) > _EPW_DRY_BULB_COL else line))
            continue
        temps[i], month[i], day[i] = v, m, d
    if bad:
        raise _bad(field, bad, "EPW records with month, day and a dry-bulb temperature in °C in the 7th "
                               "field (99.9 = missing is not allowed)")
    meta.update(month=month, day=day)
    return temps, meta


def c_to_f(t_c: np.ndarray) -> np.ndarray:
    """Degrees Celsius to degrees Fahrenheit."""
    return np.asarray(t_c, dtype=float) * 1.8 + 32.0


def f_to_c(t_f: np.ndarray) -> np.ndarray:
    """Degrees Fahrenheit to degrees Celsius."""
    return (np.asarray(t_f, dtype=float) - 32.0) / 1.8


def read_temperature_f(data: bytes | str, field: str = "temperature_curve_f",
                       year: int | None = None) -> np.ndarray:
    """Outdoor temperature in °F from a one-column °F CSV or an EPW file (converted from °C).

    A CSV is taken by position. An EPW's records are placed on the calendar of ``year`` by their
    month and day (see :func:`omf_der.calendar.align_daily_records`) when ``year`` is given.
    Lengths are checked against the calendar by the caller.
    """
    if looks_like_epw(data):
        t_c, meta = read_epw_dry_bulb_c(data, field)
        if year is not None:
            t_c = align_daily_records(t_c, meta["month"], meta["day"], year, meta["records_per_hour"], field)
        return c_to_f(t_c)
    return read_series(data, field)


# --------------------------------------------------------------------------- JSON
def read_json(data: bytes | str, field: str) -> object:
    """Parse a JSON upload; a syntax error names the line and column."""
    text = as_text(data, field)
    if not text.strip():
        raise InputError(field, "an empty file", "a JSON document")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(field, text[max(0, exc.pos - 15): exc.pos + 15],
                         "valid JSON", detail=f"line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise InputError(field, text[:30], "JSON nested less deeply") from None
    except ValueError as exc:  # e.g. an integer literal longer than Python's digit limit
        raise InputError(field, text[:30], "valid JSON with numbers of ordinary size", detail=str(exc)[:80]) from None
