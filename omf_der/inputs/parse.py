"""Turning user input — a JSON file, a Python dict, or a web form's strings and uploads — into
validated, typed :class:`Inputs`, or into the complete list of what is wrong with it.
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
from collections.abc import Iterator, Mapping
from functools import cache
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np

from ..calendar import Calendar
from ..errors import InputError, InputErrors, show_value
from ..fuels import FUELS
from ..readers import DECIMAL_COMMA_HINT, as_text, is_json_array, parse_number, read_json, read_series, read_table, \
    read_temperature_f
from ..resources import DEFAULT_FILES, read_static_bytes
from ..seeds import WH_DRAW_PROFILES, WH_SHIFT_MAX, WH_SHIFT_MIN, WH_TANKS
from ..tariff import unwrap_urdb_response
from ..tariff.urdb import urdb_problems
from .fields import DER_CONSUMER, FIELDS, OMF_BOOKKEEPING_KEYS, Field, Schema

TRUE_WORDS = frozenset({"yes", "y", "true", "t", "on", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "f", "off", "0"})
# US thousands separators ("1,350.5"); a leading "0," group ("0,500") is a decimal comma: refused
_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d*)?$", re.ASCII)
MAX_TEXT = 200
# the fields a fuel type presets when they are not given explicitly
_FUEL_PRESETS = {"generator_efficiency_pct": "default_efficiency_pct",
                 "fuel_available": "default_available_units",
                 "fuel_cost_usd_per_unit": "default_cost_usd_per_unit"}


# =========================================================================== the result
class Inputs(Mapping):
    """Validated inputs of one model run (read-only).

    Values are reached as attributes (``inputs.bess_kw``) or by key (``inputs["bess_kw"]``).
    Curves are read-only float arrays, the water-heater random numbers a 50 x 3 array, the
    tariff a URDB rate dict. Build one with :meth:`defaults`, :meth:`from_dict`,
    :meth:`from_json_file` or :meth:`from_form`.
    """

    __slots__ = ("_values", "_schema")

    def __init__(self, values: Mapping[str, Any], schema: Schema | None = None) -> None:
        schema = schema or DER_CONSUMER
        missing = set(schema.fields) - set(values)
        if missing:
            raise TypeError(f"Inputs needs every field; missing {sorted(missing)}")
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_schema", schema)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Inputs are read-only; use .replace(...)")

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __reduce__(self):  # picklable and copyable (runs cross process boundaries)
        return (type(self), (self._values, self._schema))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Inputs):
            return NotImplemented
        return self._schema.name == other._schema.name and self._values.keys() == other._values.keys() and all(
            np.array_equal(v, other._values[k]) if isinstance(v, np.ndarray) else v == other._values[k]
            for k, v in self._values.items())

    __hash__ = None  # mutable-looking contents (arrays, dicts): not hashable

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={show_value(v) if not isinstance(v, (np.ndarray, dict)) else '...'}"
                          for k, v in list(self._values.items())[:6])
        return f"Inputs({shown}, ...)"

    @property
    def schema(self) -> Schema:
        """The model's inputs schema these inputs follow."""
        return self._schema

    @property
    def calendar(self) -> Calendar:
        """Hourly calendar of the analysis year."""
        return Calendar(self.year, 1)

    @property
    def fuel(self):
        """The generator's :class:`~omf_der.fuels.Fuel`."""
        return FUELS[self.fuel_type]

    def to_json_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (arrays as lists) that :meth:`from_dict` reads back exactly."""
        out: dict[str, Any] = {}
        for name, value in self._values.items():
            if isinstance(value, np.ndarray):
                out[name] = value.tolist()
            elif isinstance(value, dict):
                out[name] = copy.deepcopy(value)
            else:
                out[name] = value
        return out

    def replace(self, **changes: Any) -> Inputs:
        """A copy with some fields changed (validated like any input).

        Changing ``fuel_type`` also changes the fuel cost, efficiency and available fuel to the new
        fuel's defaults where they still hold the old fuel's defaults and are not changed too.
        """
        values = {**self._values, **changes}
        old = FUELS.get(self._values.get("fuel_type"))
        if "fuel_type" in changes and old is not None:
            for name, attr in _FUEL_PRESETS.items():
                if name not in changes and self._values[name] == getattr(old, attr):
                    del values[name]
        return Inputs.from_dict(values, schema=self._schema)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def defaults(cls, schema: Schema | None = None) -> Inputs:
        """The model's default inputs (example data from ``static_data/``)."""
        return cls.from_dict({}, schema=schema)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base_dir: str | Path | None = None,
                  schema: Schema | None = None) -> Inputs:
        """Inputs from a dict of field names (or the reference model's keys) to values.

        Missing fields take their defaults. Curves may be lists, arrays, CSV text, or (only when
        ``base_dir`` is given) ``{"file": "path"}`` relative to ``base_dir``.
        """
        return _build(data, source="dict", base_dir=Path(base_dir) if base_dir else None, schema=schema)

    @classmethod
    def from_json_file(cls, path: str | Path, schema: Schema | None = None) -> Inputs:
        """Inputs from a JSON file (curves may refer to CSV/EPW files beside it)."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputErrors([InputError("inputs file", str(path), "a readable JSON file",
                                          detail=exc.strerror or str(exc))]) from None
        try:
            doc = read_json(raw, "inputs file")
        except InputError as exc:
            raise InputErrors([exc]) from None
        if not isinstance(doc, dict):
            raise InputErrors([InputError("inputs file", doc, "a JSON object of field names to values")])
        return _build(doc, source="dict", base_dir=path.resolve().parent, schema=schema)

    @classmethod
    def from_form(cls, form: Mapping[str, Any], files: Mapping[str, tuple[str, bytes]] | None = None,
                  schema: Schema | None = None) -> Inputs:
        """Inputs from a web form: every value a string; uploads as ``{field: (filename, bytes)}``.

        Empty scalar fields are errors (the form requires them); an empty curve, rate or
        random-numbers field with no upload keeps the default. An upload wins over the text field
        and its file name is recorded in the field's ``..._file_name`` companion.
        """
        schema = schema or DER_CONSUMER
        merged: dict[str, Any] = {}
        errors: list[InputError] = []
        for key, value in form.items():
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else ""
            merged[key] = "" if value is None else value if isinstance(value, (str, bytes)) else str(value)
        for key, upload in (files or {}).items():
            name = schema.omf_keys.get(key, key)
            field = schema.fields.get(name)
            if field is None or not field.is_file:
                errors.append(InputError(key, "an uploaded file", "uploads only for " + ", ".join(
                    f.name for f in schema.fields.values() if f.is_file)))
                continue
            filename, content = upload
            if content:
                merged[name] = content
                # browsers may send a full Windows path: keep the last component only
                base = re.split(r"[\\/]", str(filename or ""))[-1]
                base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()   # no control characters
                merged[field.file_name_field] = base[:MAX_TEXT] or "upload"
        return _build(merged, source="form", base_dir=None, errors=errors, schema=schema)


def validate(data: Mapping[str, Any], base_dir: str | Path | None = None,
             schema: Schema | None = None) -> list[InputError]:
    """Every problem of a dict of inputs (an empty list when they are valid)."""
    try:
        Inputs.from_dict(data, base_dir, schema)
    except InputErrors as exc:
        return exc.errors
    return []


# =========================================================================== building
def _build(data: Mapping[str, Any], source: str, base_dir: Path | None,
           errors: list[InputError] | None = None, schema: Schema | None = None) -> Inputs:
    schema = schema or DER_CONSUMER
    fields, omf_keys = schema.fields, schema.omf_keys
    errors = list(errors or [])
    given: dict[str, tuple[Any, str]] = {}  # field name -> (raw value, key used)
    if not isinstance(data, Mapping):
        raise InputErrors([InputError("inputs", data, "a mapping of field names to values")])
    for key, raw in data.items():
        key = str(key)
        name = omf_keys.get(key, key)
        if name not in fields:
            if key in OMF_BOOKKEEPING_KEYS:
                continue
            close = difflib.get_close_matches(key, list(fields) + list(omf_keys), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            shown = key if key.strip() and key.isprintable() else repr(key)
            errors.append(InputError(shown, raw, f"a known input field{hint} (see `omf-der schema`)"))
            continue
        if name in given and given[name][1] != key:
            errors.append(InputError(name, raw, f"one value (it was also given as {given[name][1]!r})"))
            continue
        given[name] = (raw, key)

    values: dict[str, Any] = {}
    failed: set[str] = set()
    # scalars first: file-like inputs may depend on them (an EPW is placed on the year's calendar)
    order = [n for n, f in fields.items() if not f.is_file] + [n for n, f in fields.items() if f.is_file]
    for name in order:
        field = fields[name]
        if name not in given:
            continue
        raw, key = given[name]
        if source == "form" and isinstance(raw, (str, bytes)) and not raw.strip():
            if field.is_file:
                continue  # keep the default
            if field.kind != "text":
                errors.append(InputError(name, raw, f"a value is required: {field.expected()}"))
                failed.add(name)
                continue
        try:
            values[name] = _coerce(field, raw, key, base_dir, values.get("year", fields["year"].default))
        except InputError as exc:
            if key != name:  # the user wrote the reference model's key: say so
                exc = InputError(exc.field, exc.value, exc.expected,
                                 "; ".join(filter(None, [f"given as {key}", exc.detail])))
            errors.append(exc)
            failed.add(name)

    _apply_fuel_presets(values, given)
    for name, field in fields.items():
        if name not in values and name not in failed:
            values[name] = default_value(field)
    errors.extend(_cross_checks(values))
    if errors:
        order_of = {n: i for i, n in enumerate(fields)}
        errors.sort(key=lambda e: order_of.get(e.field.split(".")[0], len(order_of)))
        raise InputErrors(errors)
    return Inputs({n: values[n] for n in fields}, schema)


def _apply_fuel_presets(values: dict[str, Any], given: Mapping[str, Any]) -> None:
    fuel = FUELS.get(values.get("fuel_type", ""))
    if fuel is None:
        return
    for name, attr in _FUEL_PRESETS.items():
        if name not in given:
            values[name] = getattr(fuel, attr)


def _cross_checks(values: Mapping[str, Any]) -> list[InputError]:
    errors: list[InputError] = []
    year = values.get("year")
    if isinstance(year, int):
        cal = Calendar(year, 1)
        for name in ("demand_curve_kw", "temperature_curve_f"):
            series = values.get(name)
            if isinstance(series, np.ndarray):
                try:
                    cal.check_length(series, name)
                except InputError as exc:
                    errors.append(exc)
    if values.get("use_urdb_label"):
        label = values.get("urdb_label", "")
        if not isinstance(label, str) or not re.fullmatch(FIELDS["urdb_label"].pattern, label):
            errors.append(InputError("urdb_label", label,
                                     "a URDB label of 24 hexadecimal characters (e.g. 66a13566e90ecdb7d40581d2)"))
    elif isinstance(values.get("tariff"), dict):
        errors.extend(urdb_problems(values["tariff"], "tariff"))
    return errors


# =========================================================================== one field
def _coerce(field: Field, raw: Any, key: str, base_dir: Path | None, year: int | None = None) -> Any:
    if field.kind == "number":
        return _check_range(field, _to_float(field, raw), raw)
    if field.kind == "integer":
        return int(_check_range(field, _to_int(field, raw), raw))
    if field.kind == "boolean":
        return _to_bool(field, raw, key)
    if field.kind == "choice":
        return _to_choice(field, raw)
    if field.kind == "text":
        if not isinstance(raw, str):
            raise InputError(field.name, raw, "text")
        text = raw.strip()
        if len(text) > MAX_TEXT:
            raise InputError(field.name, text, f"at most {MAX_TEXT} characters")
        return text
    content = _file_content(field, raw, base_dir)
    if isinstance(content, bytes):
        content = as_text(content, field.name)
    if field.kind != "tariff" and isinstance(content, str) and is_json_array(content):
        content = read_json(content, field.name)  # a JSON array upload instead of CSV
    if field.kind == "series":
        return _to_series(field, content, year)
    if field.kind == "table":
        return _to_random_numbers(field, content)
    return _to_tariff(field, content)


def _to_float(field: Field, raw: Any) -> float:
    if isinstance(raw, (bool, np.bool_)):
        raise InputError(field.name, raw, field.expected())
    if isinstance(raw, Real):
        try:
            value = float(raw)
        except OverflowError:
            raise InputError(field.name, raw, field.expected()) from None
    elif isinstance(raw, (str, bytes)):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        text = text.strip()
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = parse_number(text)
        except ValueError:
            number = None
        if number is None:
            hint = DECIMAL_COMMA_HINT if re.fullmatch(r"[+-]?\d*,\d+", text, re.ASCII) else ""
            raise InputError(field.name, raw, field.expected() + hint)
        value = number
    else:
        raise InputError(field.name, raw, field.expected())
    if not math.isfinite(value):
        raise InputError(field.name, raw, field.expected())
    return value


def _to_int(field: Field, raw: Any) -> int:
    value = _to_float(field, raw)
    if value != math.floor(value) or abs(value) > 2**53:
        raise InputError(field.name, raw, field.expected())
    return int(value)


def _check_range(field: Field, value: float, raw: Any) -> float:
    if (field.minimum is not None and value < field.minimum) or \
            (field.maximum is not None and value > field.maximum):
        raise InputError(field.name, raw, field.expected())
    return value


def _to_bool(field: Field, raw: Any, key: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    text = str(raw).strip().lower() if isinstance(raw, (str, int, float)) else None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    if text is not None and key.startswith("load_type_"):
        # the reference model's device codes: 0 = off, 1 AC, 2 HP, 3 fridge, 4 WH = on
        try:
            code = parse_number(text)
        except ValueError:
            code = None
        if code is not None:
            return code > 0
    raise InputError(field.name, raw, "yes or no (also true/false, on/off, 1/0)")


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.strip().lower())


def _to_choice(field: Field, raw: Any) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if isinstance(raw, (str, int, float)) and not isinstance(raw, bool):
        text = _norm(str(raw))
        for value, label in field.choices:
            if text in (_norm(value), _norm(label)):
                return value
        if field.name == "device_type":  # the reference vbatDispatch's load_type codes 1-4
            codes = {"1": "ac", "2": "hp", "3": "rg", "4": "wh"}
            code = text[:-2] if text.endswith(".0") else text
            if code in codes:
                return codes[code]
        if field.name == "fuel_type":  # the reference model's numeric codes 1-4
            for fuel in FUELS.values():
                if text in (str(fuel.omf_code), f"{fuel.omf_code}.0"):
                    return fuel.key
    raise InputError(field.name, raw, field.expected())


def _file_content(field: Field, raw: Any, base_dir: Path | None) -> Any:
    """Resolve ``{"file": path}`` references (only beside an inputs file)."""
    if isinstance(raw, dict) and set(raw) == {"file"}:
        ref = raw["file"]
        if base_dir is None:
            raise InputError(field.name, raw, "the data itself; file references work only in an inputs file")
        if not isinstance(ref, str) or not ref:
            raise InputError(field.name, raw, '{"file": "relative/path"}')
        path = (base_dir / ref).resolve()
        try:
            return path.read_bytes()
        except OSError as exc:
            raise InputError(field.name, ref, "a readable file (paths are relative to the inputs file)",
                             detail=exc.strerror or str(exc)) from None
    return raw


def _to_series(field: Field, content: Any, year: int | None) -> np.ndarray:
    if isinstance(content, (str, bytes)):
        values = read_temperature_f(content, field.name, year) if field.name == "temperature_curve_f" \
            else read_series(content, field.name)
    elif isinstance(content, (list, tuple, np.ndarray)):
        values = _numeric_array(field, content, ndim=1)
    else:
        raise InputError(field.name, content, "a list of numbers or the text of a CSV file")
    bad = np.flatnonzero((values < field.minimum) | (values > field.maximum))
    if bad.size:
        i = int(bad[0])
        more = f" ({bad.size} values out of range)" if bad.size > 1 else ""
        raise InputError(field.name, float(values[i]), field.expected(), detail=f"value {i + 1}{more}")
    values = np.ascontiguousarray(values, dtype=float)
    values.flags.writeable = False
    return values


def _not_a_number(x: Any) -> bool:
    """True for anything but a number (strings of plain ASCII decimals count as numbers)."""
    if isinstance(x, (bool, np.bool_)) or x is None:
        return True
    if isinstance(x, str):
        try:
            return parse_number(x.strip()) is None
        except ValueError:
            return False  # NaN/inf text: numeric, rejected by the finiteness check
    if not isinstance(x, Real):
        return True
    try:
        float(x)
    except OverflowError:
        return True
    return False


def _numeric_array(field: Field, content: Any, ndim: int) -> np.ndarray:
    shape_msg = "a list of numbers" if ndim == 1 else "a list of rows of 3 numbers"
    if isinstance(content, np.ndarray) and content.dtype.kind in "fiu":
        arr = content.astype(float)
    elif isinstance(content, np.ndarray) and content.dtype.kind != "O":
        raise InputError(field.name, f"an array of {content.dtype}", "numbers only")
    else:
        flat = [x for row in content for x in (row if isinstance(row, (list, tuple)) else [row])] \
            if ndim == 2 else list(content)
        bad = next((i for i, x in enumerate(flat) if _not_a_number(x)), None)
        if bad is not None:
            raise InputError(field.name, flat[bad], "numbers only", detail=f"value {bad + 1}")
        try:
            arr = np.array(content, dtype=float)
        except (TypeError, ValueError):
            raise InputError(field.name, f"{len(content)} ragged rows", shape_msg) from None
    if arr.ndim != ndim or arr.size == 0:
        raise InputError(field.name, content, shape_msg)
    nonfinite = np.flatnonzero(~np.isfinite(arr.ravel()))
    if nonfinite.size:
        raise InputError(field.name, float(arr.ravel()[nonfinite[0]]), "finite numbers (no NaN or infinity)",
                         detail=f"value {int(nonfinite[0]) + 1}")
    return arr


def _to_random_numbers(field: Field, content: Any) -> np.ndarray:
    if isinstance(content, (str, bytes)):
        table, linenos = read_table(content, field.name, n_columns=3)
    elif isinstance(content, (list, tuple, np.ndarray)):
        table = _numeric_array(field, content, ndim=2)
        if table.shape[1] != 3:
            raise InputError(field.name, f"rows of {table.shape[1]} numbers", "rows of 3 numbers")
        linenos = list(range(1, len(table) + 1))
    else:
        raise InputError(field.name, content, "a list of 50 rows of 3 numbers or the text of a CSV file")
    if table.shape[0] != WH_TANKS:
        raise InputError(field.name, f"{table.shape[0]} rows", f"exactly {WH_TANKS} rows, one per simulated tank")
    checks = (
        (0, lambda c: (c == np.floor(c)) & (c >= 0) & (c < WH_DRAW_PROFILES),
         f"column 1 (draw profile) a whole number from 0 to {WH_DRAW_PROFILES - 1}"),
        (1, lambda c: (c == np.floor(c)) & (c >= WH_SHIFT_MIN) & (c <= WH_SHIFT_MAX),
         f"column 2 (time shift r) a whole number from {WH_SHIFT_MIN} to {WH_SHIFT_MAX}"),
        (2, lambda c: (c >= 0) & (c < 1), "column 3 (noise factor u) from 0 to less than 1"),
    )
    for col, ok, expected in checks:
        bad = np.flatnonzero(~ok(table[:, col]))
        if bad.size:
            r = int(bad[0])
            raise InputError(field.name, float(table[r, col]), expected, detail=f"line {linenos[r]}")
    table = np.ascontiguousarray(table)
    table.flags.writeable = False
    return table


def _to_tariff(field: Field, content: Any) -> dict:
    if isinstance(content, (str, bytes)):
        content = read_json(content, field.name)
    content = unwrap_urdb_response(content)
    if not isinstance(content, dict):
        raise InputError(field.name, content, "a URDB rate record (a JSON object)")
    return content


# =========================================================================== defaults
@cache
def _default_file_value(field: Field) -> Any:
    return _coerce(field, read_static_bytes(DEFAULT_FILES[field.name]), field.name, None)


def default_value(field: Field) -> Any:
    """The default of a field (file-like defaults are read once from ``static_data/``)."""
    if field.is_file:
        value = _default_file_value(field)
        return copy.deepcopy(value) if isinstance(value, dict) else value
    return field.default


def dumps_inputs(inputs: Mapping[str, Any]) -> str:
    """JSON text of inputs with one field per line (long arrays stay on one line)."""
    data = inputs.to_json_dict() if isinstance(inputs, Inputs) else dict(inputs)
    lines = [f"  {json.dumps(k)}: {json.dumps(v, separators=(', ', ': '))}" for k, v in data.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"
