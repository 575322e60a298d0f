"""Plotly figures of a run, built from plain numpy arrays (no file IO except :func:`write_html`).

Figures (the reference model's plots, in kW instead of W):

* :func:`impact_to_demand` — the home's original demand and its new demand with the program.
* :func:`der_serving_load` — who serves the load each interval (grid, BESS, generator, thermal
  devices, stacked), and, as a second stack, grid energy charging the BESS and thermal devices.
* :func:`thermal_serving_load` — the same for the thermal devices one by one.
* :func:`thermal_power_profile` — the thermal virtual battery's power limits and the power used.
* :func:`bess_state_of_charge` — the consumer portion of the battery's state of charge (%).
* :func:`cash_flow` — yearly savings, costs and cumulative net cash flow, with NPV and payback.
* :func:`savings_breakdown` — year-1 energy and demand savings, subsidies and costs per
  technology, with the net as a marker.

Units and signs: power in **kW**, money in **$**, temperature in **°F**. Every "serving load"
and "charging" series is >= 0 (charging is a separate, lighter trace, never a negative one); the
one exception is :func:`thermal_power_profile`, where + means discharging (serving load) and
− means charging. Costs are passed as positive numbers and drawn below zero. Series that are all
zero are left out of the serving-load figures, so a disabled device shows no trace. Outdoor
temperature is an optional trace on a right-hand axis, hidden until clicked in the legend.

Colours come from the Okabe-Ito colour-blind-safe palette (:data:`OKABE_ITO`); each technology
keeps one colour in every figure (:data:`TECH_COLOURS`), its charging trace is the same colour
at opacity 0.45.

Time axes: a regularly spaced series is sent as ``x0``/``dx`` (start and step in ms, which
plotly.js expands on a date axis) instead of one date string per point and trace; this keeps
each page several times smaller. Irregular timestamps are sent as ISO strings.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7", "grey": "#999999",
}
TECH_COLOURS = {
    "grid": OKABE_ITO["grey"], "bess": OKABE_ITO["bluish_green"],
    "generator": OKABE_ITO["vermillion"], "thermal": OKABE_ITO["reddish_purple"],
    "wh": OKABE_ITO["blue"], "ac": OKABE_ITO["sky_blue"], "hp": OKABE_ITO["orange"],
}
PART_COLOURS = {
    "energy": OKABE_ITO["bluish_green"], "demand": OKABE_ITO["blue"],
    "subsidies": OKABE_ITO["yellow"], "costs": OKABE_ITO["vermillion"], "net": OKABE_ITO["black"],
}
THERMAL_LABELS = {"wh": "Home water heater", "ac": "Home air conditioner", "hp": "Home heat pump"}
SERVING_OPACITY, CHARGING_OPACITY = 0.85, 0.45
ZERO_KW = 1e-9  # a series whose every |value| is below this is "all zero" (solver noise)
PLOTLYJS_NAME = "plotly.min.js"
_TEMPLATE = pio.templates["plotly_white"]
_KW = "%{y:,.2f} kW"
# Plotly validates every property when a figure is built, ~10-20 ms a figure (mostly copying the
# template); the 8 figures of a run take 0.08 s validated, 0.01 s not. Figures are built without
# it (``_validate`` is plotly's own switch, used for its default template). Unvalidated input is
# kept verbatim, so the layout is spelled out in full (``title=dict(text=...)``: plotly.js >= 3
# ignores a plain-string title, which validation would have expanded); the tests rebuild every
# figure with validation on and check that its JSON is unchanged.
_VALIDATE = False


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _figure(data: list, layout: dict) -> go.Figure:
    """Assemble a figure with the common layout (title, legend, template)."""
    base = dict(template=_TEMPLATE, hovermode="x unified", margin=dict(t=100),
                legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom"))
    layout = {**base, **layout, "title": dict(text=layout["title"], x=0.5, xanchor="center")}
    return go.Figure(data=data, layout=layout, _validate=_VALIDATE)


def empty(title: str, message: str) -> go.Figure:
    """A figure without data that says why."""
    return _figure([], dict(title=title, xaxis=dict(visible=False), yaxis=dict(visible=False),
                            annotations=[dict(text=message, x=0.5, y=0.5, xref="paper",
                                              yref="paper", showarrow=False, font=dict(size=16))]))


def _time_axis(timestamps, n: int) -> dict:
    """``x0``/``dx`` for regular timestamps, else ``x`` as ISO strings; checks the length."""
    if getattr(timestamps, "tz", None) is not None:
        timestamps = timestamps.tz_localize(None)  # pandas, time-zone aware: wall-clock time, as read
    ts = np.asarray(timestamps, dtype="datetime64[ms]")
    if len(ts) != n:
        raise ValueError(f"{len(ts)} timestamps for series of length {n}")
    step = np.diff(ts)
    if n >= 2 and step[0] > np.timedelta64(0) and (step == step[0]).all():
        start = str(np.datetime_as_string(ts[0], unit="s")).replace("T", " ")
        return dict(x0=start, dx=int(step[0] // np.timedelta64(1, "ms")))
    return dict(x=np.datetime_as_string(ts, unit="s"))


def _arrays(**series) -> dict[str, np.ndarray]:
    """The series as 1-D float arrays of one common length."""
    out = {k: np.asarray(v, dtype=float).ravel() for k, v in series.items()}
    if len({len(v) for v in out.values()}) > 1:
        raise ValueError(f"series of unequal lengths: { {k: len(v) for k, v in out.items()} }")
    return out


def _time_layout(title: str, y_title: str, temperature: np.ndarray | None, **extra) -> dict:
    layout = dict(title=title, xaxis=dict(title=dict(text="Time"), type="date",
                                          hoverformat="%a %b %d %Y, %H:%M"),
                  yaxis=dict(title=dict(text=y_title)), **extra)
    if temperature is not None:
        finite = temperature[np.isfinite(temperature)]
        axis = dict(title=dict(text="Outdoor temperature (°F)"), overlaying="y", side="right",
                    showgrid=False)
        if finite.size:  # a sensible axis even while the trace is hidden
            axis["range"] = [np.floor(finite.min()) - 5.0, np.ceil(finite.max()) + 5.0]
        layout["yaxis2"] = axis
    return layout


def _temperature(x: dict, temperature: np.ndarray | None) -> list[dict]:
    if temperature is None:
        return []
    return [dict(type="scatter", **x, y=temperature, name="Outdoor temperature", yaxis="y2",
                 visible="legendonly", mode="lines", hovertemplate="%{y:.1f} °F",
                 line=dict(color=OKABE_ITO["black"], width=1, dash="dot"))]


def _area(x: dict, y: np.ndarray, name: str, colour: str, group: str, opacity: float) -> dict:
    return dict(type="scatter", **x, y=y, name=name, stackgroup=group, mode="lines",
                line=dict(color=colour, width=0.5, shape="hv"), fillcolor=_rgba(colour, opacity),
                hovertemplate=_KW)


def _stack(x: dict, items: list[tuple[str, np.ndarray, str, str, float]]) -> list[dict]:
    """Stacked-area traces of ``(name, y, colour, group, opacity)``, all-zero series left out."""
    return [_area(x, y, name, c, g, o) for name, y, c, g, o in items
            if np.nanmax(np.abs(y), initial=0.0) >= ZERO_KW]


def impact_to_demand(timestamps, demand_kw, adjusted_kw, temperature_f=None) -> go.Figure:
    """Original and new (with the program) demand of the home, kW, filled to zero."""
    a = _arrays(demand=demand_kw, adjusted=adjusted_kw,
                **({} if temperature_f is None else {"temp": temperature_f}))
    x = _time_axis(timestamps, len(a["demand"]))
    data = [dict(type="scatter", **x, y=a[k], name=name, fill="tozeroy", mode="lines",
                 line=dict(color=c, width=1, shape="hv"), fillcolor=_rgba(c, o),
                 hovertemplate=_KW)
            for k, name, c, o in (("demand", "Original demand", TECH_COLOURS["grid"], 0.5),
                                  ("adjusted", "New demand", OKABE_ITO["black"], 0.15))]
    temp = a.get("temp")
    return _figure(data + _temperature(x, temp),
                   _time_layout("Impact to Demand", "Power (kW)", temp))


def der_serving_load(timestamps, *, grid_kw, bess_kw, generator_kw, thermal_kw, grid_to_bess_kw,
                     thermal_charging_kw, der_to_thermal_kw=None, temperature_f=None) -> go.Figure:
    """Load served by grid, BESS, generator and thermal devices (stacked, kW, >= 0), and energy
    charging the BESS and the thermal devices (a second stack, kW, >= 0): from the grid
    (``grid_to_bess_kw``, ``thermal_charging_kw``) or from the BESS and generator
    (``der_to_thermal_kw``, optional)."""
    n = len(np.asarray(grid_kw))
    a = _arrays(grid=grid_kw, bess=bess_kw, gen=generator_kw, th=thermal_kw,
                gch=grid_to_bess_kw, tch=thermal_charging_kw,
                dch=np.zeros(n) if der_to_thermal_kw is None else der_to_thermal_kw,
                **({} if temperature_f is None else {"temp": temperature_f}))
    x = _time_axis(timestamps, len(a["grid"]))
    c, s, ch = TECH_COLOURS, SERVING_OPACITY, CHARGING_OPACITY
    data = _stack(x, [
        ("Grid serving load", a["grid"], c["grid"], "serving", s),
        ("Home BESS serving load", a["bess"], c["bess"], "serving", s),
        ("Home generator serving load", a["gen"], c["generator"], "serving", s),
        ("Home thermal devices serving load", a["th"], c["thermal"], "serving", s),
        ("Grid charging home BESS", a["gch"], c["bess"], "charging", ch),
        ("Grid charging thermal devices", a["tch"], c["thermal"], "charging", ch),
        ("Home BESS/generator charging thermal devices", a["dch"], c["bess"], "charging", ch)])
    temp = a.get("temp")
    return _figure(data + _temperature(x, temp),
                   _time_layout("DER Serving Load Overview", "Power (kW)", temp))


def thermal_serving_load(timestamps, *, grid_kw, devices, temperature_f=None) -> go.Figure:
    """Load served by the grid and each thermal device, and grid charging of each device (kW).

    ``devices`` maps "wh" / "ac" / "hp" to ``(serving_kw, charging_kw)``, in display order; an
    empty dict gives a figure saying that no thermal device was enabled."""
    title = "Thermal DER Serving Load Overview"
    if not devices:
        return empty(title, "No thermal device was enabled.")
    if unknown := set(devices) - set(THERMAL_LABELS):
        raise ValueError(f"unknown thermal devices {sorted(unknown)}")
    series = {f"{k}_{i}": v for k, pair in devices.items() for i, v in enumerate(pair)}
    a = _arrays(grid=grid_kw, **series,
                **({} if temperature_f is None else {"temp": temperature_f}))
    x = _time_axis(timestamps, len(a["grid"]))
    c = TECH_COLOURS
    items = [("Grid serving load", a["grid"], c["grid"], "serving", SERVING_OPACITY)]
    items += [(f"{THERMAL_LABELS[k]} serving load", a[f"{k}_0"], c[k], "serving", SERVING_OPACITY)
              for k in devices]
    items += [(f"{THERMAL_LABELS[k]} charging", a[f"{k}_1"], c[k], "charging",
               CHARGING_OPACITY) for k in devices]
    temp = a.get("temp")
    return _figure(_stack(x, items) + _temperature(x, temp),
                   _time_layout(title, "Power (kW)", temp))


def thermal_power_profile(timestamps, *, min_kw, max_kw, actual_kw) -> go.Figure:
    """Power limits of the thermal virtual battery (shaded band) and the power used, kW;
    + = discharging (serving load), − = charging."""
    a = _arrays(lo=min_kw, hi=max_kw, act=actual_kw)
    x = _time_axis(timestamps, len(a["lo"]))
    col = TECH_COLOURS["thermal"]
    line = dict(type="scatter", **x, mode="lines", hovertemplate="%{y:+,.2f} kW")
    data = [
        dict(line, y=a["lo"], name="Lowest possible power (charging at full extra load)",
             line=dict(color=col, width=1, dash="dot", shape="hv")),
        dict(line, y=a["hi"], name="Highest possible power (shedding the whole baseline)",
             line=dict(color=col, width=1, dash="dash", shape="hv"), fill="tonexty",
             fillcolor=_rgba(col, 0.15)),
        dict(line, y=a["act"], name="Power used", line=dict(color=OKABE_ITO["black"], width=1.2,
                                                             shape="hv"))]
    return _figure(data, _time_layout("Home Thermal Battery Power Profile",
                                      "Power (kW, + serves load, − charges)", None))


def bess_state_of_charge(timestamps, soc_pct) -> go.Figure:
    """State of charge of the consumer portion of the home battery, % (0–100)."""
    a = _arrays(soc=soc_pct)
    x = _time_axis(timestamps, len(a["soc"]))
    col = TECH_COLOURS["bess"]
    data = [dict(type="scatter", **x, y=a["soc"], name="State of charge", mode="lines",
                 fill="tozeroy", fillcolor=_rgba(col, 0.2), line=dict(color=col, width=1),
                 hovertemplate="%{y:.1f} %")]
    layout = _time_layout("Home Chemical BESS State of Charge (Consumer Portion)",
                          "State of charge (%)", None)
    layout["yaxis"]["range"] = [0, 100]
    return _figure(data, layout)


def _money(v: float) -> str:
    return f"-${-v:,.0f}" if v < 0 else f"${v:,.0f}"


def cash_flow(years, *, savings_usd, costs_usd, net_usd, cumulative_usd, npv_usd,
              payback_years) -> go.Figure:
    """Yearly savings (>= 0) and costs (given >= 0, drawn below zero), $, stacked, and the
    cumulative net cash flow as a line; NPV and simple payback ("never" if None) as a note."""
    a = _arrays(sav=savings_usd, cost=costs_usd, net=net_usd, cum=cumulative_usd)
    yrs = np.asarray(years, dtype=np.int64).ravel()
    if len(yrs) != len(a["sav"]):
        raise ValueError(f"{len(yrs)} years for series of length {len(a['sav'])}")
    npv = "n/a" if npv_usd is None or not np.isfinite(npv_usd) else _money(float(npv_usd))
    pb = ("never" if payback_years is None or not np.isfinite(payback_years)
          else f"{float(payback_years):.1f} years")
    bar = dict(type="bar", x=yrs, hovertemplate="%{y:$,.0f}")
    data = [
        dict(bar, y=a["sav"], name="Savings", marker=dict(color=PART_COLOURS["energy"])),
        dict(bar, y=-a["cost"], name="Costs", marker=dict(color=PART_COLOURS["costs"])),
        dict(type="scatter", x=yrs, y=a["cum"], name="Cumulative net cash flow",
             mode="lines+markers", line=dict(color=PART_COLOURS["net"], width=2),
             customdata=a["net"],
             hovertemplate="%{y:$,.0f} (net this year %{customdata:$,.0f})")]
    note = dict(text=f"NPV: {npv} · Simple payback: {pb}", x=1, xanchor="right", y=1.02,
                yanchor="bottom", xref="paper", yref="paper", showarrow=False)
    return _figure(data, dict(title="Cash Flow Projection", barmode="relative",
                              xaxis=dict(title=dict(text="Year after installation"), dtick=1),
                              yaxis=dict(title=dict(text="Cash flow ($)"), tickformat="$,.0f"),
                              annotations=[note]))


def savings_breakdown(parts, *, title) -> go.Figure:
    """Year-1 energy savings, demand savings, subsidies (>= 0) and costs (given >= 0, drawn
    below zero) per technology, $, stacked, with the net as a marker.

    ``parts`` maps a technology label to a dict with "energy_usd", "demand_usd",
    "subsidies_usd" and "costs_usd", in display order; empty gives a figure saying so."""
    if not parts:
        return empty(title, "No technology was enabled.")
    labels = list(parts)
    keys = ("energy_usd", "demand_usd", "subsidies_usd", "costs_usd")
    v = {k: np.array([float(parts[t][k]) for t in labels]) for k in keys}  # one per technology
    net = v["energy_usd"] + v["demand_usd"] + v["subsidies_usd"] - v["costs_usd"]
    bar = dict(type="bar", x=labels, hovertemplate="%{y:$,.0f}")
    data = [dict(bar, y=sign * v[k], name=name, marker=dict(color=PART_COLOURS[p]))
            for k, name, p, sign in (("energy_usd", "Energy savings", "energy", 1),
                                     ("demand_usd", "Demand savings", "demand", 1),
                                     ("subsidies_usd", "Subsidies", "subsidies", 1),
                                     ("costs_usd", "Costs", "costs", -1))]
    data.append(dict(type="scatter", x=labels, y=net, name="Net", mode="markers",
                     marker=dict(color=PART_COLOURS["net"], symbol="diamond", size=12),
                     hovertemplate="%{y:$,.0f}"))
    return _figure(data, dict(title=title, barmode="relative", hovermode="x",
                              xaxis=dict(title=dict(text="Technology")),
                              yaxis=dict(title=dict(text="Year-1 value ($)"),
                                         tickformat="$,.0f")))


def figure_json(fig: go.Figure) -> dict:
    """The figure as a plain JSON-ready dict, identical for identical figures.

    Since plotly 6, numeric numpy arrays are written as base64 typed arrays
    (``{"dtype": "f8", "bdata": ...}``; integers downcast to the smallest type, e.g. "i1"),
    which plotly.js >= 2.28 decodes, so render with the plotly.js of the same plotly package
    (:func:`write_plotlyjs`). Non-finite values in plain lists become ``null``.
    """
    return json.loads(pio.to_json(fig, validate=False, engine="json"))


def write_plotlyjs(folder) -> Path:
    """Write plotly.js as ``folder/plotly.min.js`` (unless already there, identical)."""
    path = Path(folder) / PLOTLYJS_NAME
    text = get_plotlyjs().encode("utf-8")
    if not (path.is_file() and path.stat().st_size == len(text) and path.read_bytes() == text):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text)
    return path


def write_html(fig: go.Figure, path, plotlyjs: str = PLOTLYJS_NAME) -> Path:
    """Write a standalone page that loads plotly.js from ``plotlyjs``, relative to the page
    (see :func:`write_plotlyjs`); works offline, byte-identical for identical figures."""
    if not plotlyjs.endswith(".js"):
        raise ValueError(f"plotlyjs must name a .js file, got {plotlyjs!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    div_id = "plot-" + re.sub(r"[^A-Za-z0-9_-]", "-", path.stem)
    html = pio.to_html(fig, include_plotlyjs=plotlyjs, full_html=True, validate=False,
                       config={"displaylogo": False, "responsive": True}, div_id=div_id)
    path.write_bytes(html.encode("utf-8"))  # no newline translation: same bytes everywhere
    return path
