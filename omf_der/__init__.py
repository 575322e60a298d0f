"""omf-der: what enrolling a home's DERs in a co-op program is worth.

Python face of the tool. Engines take and return plain numpy/pandas values; see the modules
:mod:`omf_der.inputs`, :mod:`omf_der.calendar`, :mod:`omf_der.readers`, :mod:`omf_der.tariff`.
"""

from .calendar import Calendar
from .errors import InputError, InputErrors
from .inputs import Inputs, json_schema
from .runner import Result, RunFailed, reproduction_inputs, run_model

__version__ = "0.1.0"
__all__ = ["Calendar", "InputError", "InputErrors", "Inputs", "Result", "RunFailed", "json_schema", "reproduction_inputs",
           "run_model", "__version__"]
