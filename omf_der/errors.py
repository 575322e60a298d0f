"""Errors meant for people: which field, what value, what is allowed.

Every problem a user can cause (a wrong length, text in a number, a value out of range, a
corrupt upload) is reported as an :class:`InputError`. Validation collects all of them and
raises one :class:`InputErrors`, so a form or an input file shows every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable

_MAX_SHOWN = 60


def show_value(value: object) -> str:
    """Short, printable form of a user's value for a message (long values are cut)."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, (list, tuple)) and len(value) > 6:
        text = f"[{len(value)} values]"
    elif hasattr(value, "shape") and hasattr(value, "dtype"):  # numpy arrays
        text = f"an array of shape {tuple(value.shape)}"
    elif isinstance(value, dict) and len(value) > 4:
        text = f"{{{len(value)} keys}}"
    else:
        text = " ".join(repr(value).split())
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 3] + "..."
    return text


class InputError(ValueError):
    """One problem with one input field.

    Parameters
    ----------
    field : str
        Name of the input field (as in the inputs schema), e.g. ``"bess_kw"``.
    value : object
        What the user gave (shown shortened in the message).
    expected : str
        What is allowed, in words, e.g. ``"a number from 0.1 to 1000 kW"``.
    detail : str, optional
        Where exactly the problem is, e.g. ``"line 12"``.
    """

    def __init__(self, field: str, value: object, expected: str, detail: str = "") -> None:
        self.field = field
        self.value = value
        self.expected = expected
        self.detail = detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f" ({self.detail})" if self.detail else ""
        return f"{self.field}: got {show_value(self.value)}{where}; allowed: {self.expected}"

    def __reduce__(self):  # keeps the error picklable (background runs cross processes)
        return (type(self), (self.field, self.value, self.expected, self.detail))


class InputErrors(ValueError):
    """All problems found in one set of inputs (at least one)."""

    def __init__(self, errors: Iterable[InputError]) -> None:
        self.errors: list[InputError] = list(errors)
        if not self.errors:
            raise ValueError("InputErrors needs at least one InputError")
        super().__init__("\n".join(e.message for e in self.errors))

    def by_field(self) -> dict[str, list[str]]:
        """Messages grouped by field name (for showing them beside form fields)."""
        out: dict[str, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.field, []).append(e.message)
        return out

    def __reduce__(self):
        return (type(self), (self.errors,))
