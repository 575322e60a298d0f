"""Utility tariffs: URDB rate records (and, with the bill engine, monthly bills)."""

from .urdb import unwrap_urdb_response, validate_urdb_shape

__all__ = ["unwrap_urdb_response", "validate_urdb_shape"]
