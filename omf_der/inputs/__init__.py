"""Inputs of a derConsumer run: the schema (:data:`FIELDS`), parsing and validation
(:class:`Inputs`), and its JSON Schema export (:func:`json_schema`)."""

from ..errors import InputError, InputErrors
from .fields import FIELDS, FIELDS_LIST, OMF_KEYS, SECTIONS, Field
from .jsonschema import json_schema
from .parse import Inputs, default_value, dumps_inputs, validate

__all__ = ["FIELDS", "FIELDS_LIST", "OMF_KEYS", "SECTIONS", "Field", "InputError", "InputErrors",
           "Inputs", "default_value", "dumps_inputs", "json_schema", "validate"]
