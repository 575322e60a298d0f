"""Property tests: whatever a browser posts, the form parser answers with InputErrors or valid
Inputs, never another exception."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omf_der.errors import InputError, InputErrors
from omf_der.inputs import FIELDS, OMF_KEYS, Inputs
from omf_der.readers import read_series, read_table

SCALAR_NAMES = [n for n, f in FIELDS.items() if not f.is_file]
FILE_NAMES = [n for n, f in FIELDS.items() if f.is_file]
KEYS = st.one_of(st.sampled_from(SCALAR_NAMES), st.sampled_from(sorted(OMF_KEYS)), st.text(max_size=12))
NUMBERISH = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
    st.integers(min_value=10**300, max_value=10**320).map(str),
    st.sampled_from(["", " ", "yes", "No", "on", "1e309", "-0", "0x10", "1,000", "1,0", "١٢", "½", "None",
                     "nan", "5.6 kW", "$50", "2147483648", "\x00", "diesel", "Natural Gas"]),
    st.text(max_size=30),
)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(call):
    try:
        result = call()
    except InputErrors as exc:
        assert exc.errors and all(isinstance(e, InputError) and e.field and e.expected for e in exc.errors)
        assert all(isinstance(e.message, str) for e in exc.errors)
        return None
    assert isinstance(result, Inputs)
    return result


@SETTINGS
@given(st.dictionaries(KEYS, NUMBERISH, max_size=12))
def test_form_parser_never_raises_anything_else(form):
    inputs = _check(lambda: Inputs.from_form(form))
    if inputs is not None:
        for name, f in FIELDS.items():
            v = inputs[name]
            if f.kind in ("number", "integer"):
                assert f.minimum <= v <= f.maximum and np.isfinite(v)


@SETTINGS
@given(st.sampled_from(FILE_NAMES), st.binary(max_size=400) | st.text(max_size=400).map(str.encode),
       st.text(max_size=40))
def test_uploads_never_raise_anything_else(field, content, filename):
    _check(lambda: Inputs.from_form({}, files={field: (filename, content)}))


@SETTINGS
@given(st.lists(st.one_of(st.floats(), st.text(max_size=8), st.none()), max_size=30).map(
    lambda xs: "\n".join("" if x is None else str(x) for x in xs)))
def test_csv_reader_never_raises_anything_else(text):
    for call in (lambda: read_series(text, "x"), lambda: read_table(text, "x", n_columns=3)):
        try:
            values = call()
        except InputError:
            continue
        arr = values if isinstance(values, np.ndarray) else values[0]
        assert np.isfinite(arr).all()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=12)


@SETTINGS
@given(st.dictionaries(KEYS, JSON_VALUES, max_size=8), st.sampled_from(FILE_NAMES))
def test_json_documents_never_raise_anything_else(data, file_field):
    import json

    _check(lambda: Inputs.from_dict(data))
    text = json.dumps(data)
    _check(lambda: Inputs.from_form({}, files={file_field: ("x.json", text.encode())}))


@SETTINGS
@given(st.integers(min_value=1, max_value=200_000))
def test_deeply_nested_json_uploads(depth):
    _check(lambda: Inputs.from_form({"tariff": "[" * depth + "]" * depth}))


@SETTINGS
@given(st.dictionaries(KEYS, st.one_of(st.none(), st.booleans(), st.floats(), st.integers(),
                                       st.lists(st.floats(), max_size=3), st.text(max_size=10)), max_size=8))
def test_json_dict_parser_never_raises_anything_else(data):
    _check(lambda: Inputs.from_dict(data))
