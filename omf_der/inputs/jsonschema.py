"""The inputs schema as JSON Schema (draft 2020-12), for forms, docs and other tools.

The schema describes the **canonical** inputs document — our field names, typed values, curves
as arrays — which is what ``omf-der defaults`` prints and ``Inputs.to_json_dict()`` returns. The
parser is more lenient than the schema: it also reads the reference model's keys and string
values ("Yes", fuel codes 1-4), CSV/EPW text for curves and ``{"file": ...}`` references.

Standard keywords carry what validators understand (type, minimum, maximum, enum, pattern,
lengths); ``x-`` keywords carry what a form needs (section, unit, the reference model's key,
which toggle enables the field).
"""

from __future__ import annotations

from typing import Any

from ..calendar import HOURS_PER_YEAR
from ..resources import DEFAULT_FILES
from ..seeds import WH_DRAW_PROFILES, WH_SHIFT_MAX, WH_SHIFT_MIN, WH_TANKS
from .fields import DER_CONSUMER, FIELDS, Field, Schema
from .parse import MAX_TEXT

_SCALAR_TYPES = {"number": "number", "integer": "integer", "boolean": "boolean",
                 "choice": "string", "text": "string"}


def _property(f: Field) -> dict[str, Any]:
    p: dict[str, Any] = {"title": f.label, "description": f.help}
    if f.kind in _SCALAR_TYPES:
        p["type"] = _SCALAR_TYPES[f.kind]
        p["default"] = f.default
        if f.minimum is not None:
            p["minimum"] = f.minimum
        if f.maximum is not None:
            p["maximum"] = f.maximum
        if f.choices:
            p["enum"] = [v for v, _ in f.choices]
            p["x-choice-labels"] = {v: lab for v, lab in f.choices}
        if f.kind == "text":
            p["maxLength"] = MAX_TEXT
    elif f.kind == "series":
        item: dict[str, Any] = {"type": "number"}
        if f.minimum is not None:
            item["minimum"] = f.minimum
        if f.maximum is not None:
            item["maximum"] = f.maximum
        p.update(type="array", items=item, minItems=HOURS_PER_YEAR, maxItems=HOURS_PER_YEAR)
    elif f.kind == "table":
        row = {"type": "array", "minItems": 3, "maxItems": 3, "items": False, "prefixItems": [
            {"type": "number", "multipleOf": 1, "minimum": 0, "maximum": WH_DRAW_PROFILES - 1},
            {"type": "number", "multipleOf": 1, "minimum": WH_SHIFT_MIN, "maximum": WH_SHIFT_MAX},
            {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
        ]}
        p.update(type="array", items=row, minItems=WH_TANKS, maxItems=WH_TANKS)
    else:  # tariff
        p.update(type="object", required=["energyratestructure"])
    if f.is_file:
        p["x-default-file"] = f"static_data/{DEFAULT_FILES[f.name]}"
        p["x-file-name-field"] = f.file_name_field
    p["x-section"] = f.section
    if f.unit:
        p["x-unit"] = f.unit
    if f.omf_key:
        p["x-omf-key"] = f.omf_key
    if f.enabled_by:
        p["x-enabled-by"] = f.enabled_by
    if f.advanced:
        p["x-advanced"] = True
    return p


def json_schema(schema: Schema | None = None) -> dict[str, Any]:
    """JSON Schema of a complete inputs document of a model (default derConsumer; every field,
    clean names)."""
    schema = schema or DER_CONSUMER
    fields = schema.fields_list
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"omf-der {schema.name} inputs",
        "description": f"Inputs of one {schema.name} run: one year of hourly data. "
                       "Missing fields take their defaults; temperatures in °F.",
        "type": "object",
        "properties": {f.name: _property(f) for f in fields},
        "additionalProperties": False,
        # the label must be a real one only when it is used
        "if": {"properties": {"use_urdb_label": {"const": True}}, "required": ["use_urdb_label"]},
        "then": {"properties": {"urdb_label": {"pattern": FIELDS["urdb_label"].pattern}}},
        "x-sections": [{"key": k, "title": t, "fields": [f.name for f in fields if f.section == k]}
                       for k, t in schema.sections.items()],
    }
