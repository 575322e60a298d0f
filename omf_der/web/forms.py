"""The input form of a model page, generated from the model's inputs schema.

:func:`sections` turns a :class:`~omf_der.inputs.Schema`, the values to show (strings, exactly as
the user typed them or as a saved run holds them), the errors by field and the current files into
what the template draws: sections, each with its enable toggle, its fields and its folded
"advanced" fields. File-like inputs (curves, rate, random numbers) are uploads; the form shows the
name of the file in use and links to it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..inputs import Field, Schema
from ..inputs.parse import TRUE_WORDS
from ..model_dir import series_csv
from ..seeds import format_water_heater_random_numbers

#: fields shown only while another (boolean) field has a given value: name -> (controller, value)
_SHOWN_WHEN = {
    "urdb_label": ("use_urdb_label", True),
    "tariff": ("use_urdb_label", False),
}
_REPRODUCTION = "use_provided_random_numbers"   # seeds and random numbers matter only when it is on


@dataclass(frozen=True)
class FileSlot:
    """The file an upload field currently holds."""

    filename: str
    source: str          # "default" (example file), "run" (the run's saved input) or "draft" (kept upload)
    url: str
    rejected: str | None = None   # name of an upload just refused (the run would use ``filename``)

    @property
    def described(self) -> str:
        return {"default": "example file", "run": "in use", "draft": "uploaded, kept"}[self.source]


@dataclass
class FieldView:
    field: Field
    value: str = ""
    error: str | None = None
    file: FileSlot | None = None
    shown_when: tuple[str, bool] | None = None

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def widget(self) -> str:
        if self.field.is_file:
            return "file"
        return {"boolean": "checkbox", "choice": "select"}.get(self.field.kind, self.field.kind)

    @property
    def checked(self) -> bool:
        return self.value.strip().lower() in TRUE_WORDS   # the words the inputs parser reads as yes

    @property
    def unit(self) -> str:
        return self.field.unit

    @property
    def expected(self) -> str:
        return self.field.expected()

    @property
    def accept(self) -> str:
        return {"series": ".csv,.txt,.epw,.json", "table": ".csv,.txt,.json", "tariff": ".json"}.get(self.field.kind, "")


@dataclass
class SectionView:
    key: str
    title: str
    toggle: FieldView | None = None
    fields: list[FieldView] = field(default_factory=list)
    advanced: list[FieldView] = field(default_factory=list)

    @property
    def errors(self) -> int:
        views = [self.toggle, *self.fields, *self.advanced]
        return sum(1 for v in views if v is not None and v.error)

    @property
    def advanced_errors(self) -> int:
        return sum(1 for v in self.advanced if v.error)


def sections(schema: Schema, values: Mapping[str, str], errors: Mapping[str, str],
             files: Mapping[str, FileSlot]) -> list[SectionView]:
    """The form's sections in the schema's order (a section with no fields is left out)."""
    companions = {f.file_name_field for f in schema.fields.values() if f.file_name_field}
    toggles = {f.enabled_by for f in schema.fields.values() if f.enabled_by}
    out: dict[str, SectionView] = {key: SectionView(key, title) for key, title in schema.sections.items()}
    for f in schema.fields.values():
        if f.name in companions:
            continue      # the file's name is shown with its upload field
        view = FieldView(f, values.get(f.name, ""), errors.get(f.name), files.get(f.name),
                         _shown_when(f, schema))
        section = out[f.section]
        if f.name in toggles and section.toggle is None:
            section.toggle = view
        elif f.advanced:
            section.advanced.append(view)
        else:
            section.fields.append(view)
    return [s for s in out.values() if s.toggle or s.fields or s.advanced]


def _shown_when(f: Field, schema: Schema) -> tuple[str, bool] | None:
    if f.name in _SHOWN_WHEN and _SHOWN_WHEN[f.name][0] in schema.fields:
        return _SHOWN_WHEN[f.name]
    if f.enabled_by:
        return f.enabled_by, True
    if _REPRODUCTION in schema.fields and (f.name.startswith("random_seed") or f.kind == "table"):
        return _REPRODUCTION, True
    return None


# =========================================================================== values
def display_value(f: Field, value: Any) -> str:
    """A saved input as the form shows it; parsing the text gives back exactly ``value``."""
    if value is None or f.is_file:
        return ""
    if f.kind == "boolean":
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def form_values(schema: Schema, inputs_json: Mapping[str, Any]) -> dict[str, str]:
    """The form's text for every non-file field of saved inputs (field names as keys)."""
    return {name: display_value(f, inputs_json.get(name, f.default))
            for name, f in schema.fields.items() if not f.is_file}


def file_bytes(f: Field, value: Any) -> tuple[bytes, str, str]:
    """A saved file-like input as a file: (content, extension, MIME type). Curves are one value per
    line, the random numbers a 3-column CSV, the rate URDB JSON: each reads back to ``value``."""
    if f.kind == "series":
        return series_csv(value).encode(), ".csv", "text/csv"
    if f.kind == "table":
        return format_water_heater_random_numbers(value).encode(), ".csv", "text/csv"
    return (json.dumps(value, indent=1) + "\n").encode(), ".json", "application/json"


def download_name(filename: str, extension: str) -> str:
    """The saved file's name with the extension of what is served (an uploaded EPW is served as the
    CSV of its temperatures)."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem = filename
    elif "." + ext.lower() == extension:
        return filename
    return (stem or "input") + extension


def errors_by_field(schema: Schema, errors: list[InputError]) -> tuple[dict[str, str], list[str]]:
    """Each error's message under its field (first one wins), and the messages of no form field.

    Beside its field a message names the field by the label the form shows
    ("Battery Power Capacity: got 'abc'; allowed: ..."), not by its key."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    owners = {f.file_name_field: f.name for f in schema.fields.values() if f.file_name_field}
    for err in errors:
        key = err.field.split(".")[0].split("[")[0]
        name = owners.get(schema.omf_keys.get(key, key), schema.omf_keys.get(key, key))
        target = schema.fields.get(name)
        if target is None:
            general.append(err.message)
            continue
        message = err.message
        if message.startswith(key):
            message = target.label + message[len(key):]
        by_field.setdefault(name, message)
    return by_field, general
