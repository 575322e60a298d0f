"""Inputs of a derConsumer run: the schema (:data:`FIELDS`), parsing and validation
(:class:`Inputs`), and its JSON Schema export (:func:`json_schema`)."""

from ..errors import InputError, InputErrors
from .fields import DER_CONSUMER, FIELDS, FIELDS_LIST, OMF_KEYS, SECTIONS, Field, Schema
from .jsonschema import json_schema
from .parse import Inputs, default_value, dumps_inputs, validate

__all__ = ["DER_CONSUMER", "FIELDS", "FIELDS_LIST", "OMF_KEYS", "SECTIONS", "Field", "Schema", "InputError", "InputErrors",
           "Inputs", "default_value", "dumps_inputs", "json_schema", "validate"]
