"""How numbers, money and times are shown on the pages (Jinja filters)."""

from __future__ import annotations

import math
import time
from typing import Any


def usd(value: Any, digits: int = 0) -> str:
    """``-$1,234`` style dollars."""
    if value is None or not math.isfinite(value):
        return "–"
    sign = "-" if value < 0 and round(abs(value), digits) != 0 else ""
    return f"{sign}${abs(value):,.{digits}f}"


def number(value: Any, digits: int = 2) -> str:
    """Thousands separators and ``digits`` decimals; minus zero shown as zero."""
    if value is None or not math.isfinite(value):
        return "–"
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def years(value: Any) -> str:
    """A payback period: years with one decimal, or "never" (None)."""
    return "never" if value is None else f"{value:,.1f} years"


def duration(seconds: Any) -> str:
    if seconds is None:
        return ""
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(int(round(seconds)), 60)
    return f"{minutes} min {sec:02d} s"


def localtime(epoch: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(float(epoch))) if epoch else ""


def isotime(epoch: Any) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(float(epoch))) if epoch else ""


FILTERS = {"usd": usd, "num": number, "years": years, "duration": duration, "localtime": localtime,
           "isotime": isotime}
