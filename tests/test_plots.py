"""Plotly figures: trace names, omitted disabled series, temperature axis, JSON and HTML output."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from omf_der import plots as P

N = 48
TS = pd.date_range("2018-01-01", periods=N, freq="h")
RNG = np.random.default_rng(7)
TEMP = 40 + 20 * RNG.random(N)
ZERO = np.zeros(N)
THERMAL_TITLE = "Savings Breakdown of Thermal Technologies"


def r(scale=3.0):
    return scale * RNG.random(N)


def names(fig):
    return [t.name for t in fig.data]


def validated(fig):
    """Rebuild with plotly's validation on (figures are built without it)."""
    return go.Figure(fig.to_dict())


def sorted_json(fig):
    return json.dumps(P.figure_json(fig), sort_keys=True)


def der(**overrides):
    kw = dict(grid_kw=r(), bess_kw=r(), generator_kw=r(), thermal_kw=r(), grid_to_bess_kw=r(),
              thermal_charging_kw=r(), temperature_f=TEMP)
    return P.der_serving_load(TS, **{**kw, **overrides})


def all_figures():
    return {
        "demand": P.impact_to_demand(TS, r(), r(), TEMP),
        "der": der(),
        "thermal": P.thermal_serving_load(TS, grid_kw=r(), temperature_f=TEMP,
                                          devices={"wh": (r(), r()), "hp": (r(), r())}),
        "profile": P.thermal_power_profile(TS, min_kw=-r(), max_kw=r(), actual_kw=r() - 1.5),
        "soc": P.bess_state_of_charge(TS.values, 100 * RNG.random(N)),
        "cash": P.cash_flow(np.arange(4), savings_usd=[0, 5, 5, 5], costs_usd=[20, 1, 1, 1],
                            net_usd=[-20, 4, 4, 4], cumulative_usd=[-20, -16, -12, -8],
                            npv_usd=-9.5, payback_years=None),
        "breakdown": P.savings_breakdown(
            {"BESS": dict(energy_usd=100.0, demand_usd=50.0, subsidies_usd=25.0, costs_usd=400.0),
             "Generator": dict(energy_usd=10.0, demand_usd=0.0, subsidies_usd=5.0, costs_usd=2.5)},
            title="Savings Breakdown per Technology"),
        "empty_thermal": P.thermal_serving_load(TS, grid_kw=r(), devices={}),
        "empty_breakdown": P.savings_breakdown({}, title=THERMAL_TITLE),
    }


def test_every_figure_is_valid_plotly_with_title_and_template():
    for key, fig in all_figures().items():
        assert isinstance(fig, go.Figure), key
        v = validated(fig)  # raises on any invalid property
        # nothing relies on validation's shorthand expansion (e.g. a plain-string axis title)
        assert sorted_json(v) == sorted_json(fig), key
        assert v.layout.xaxis.title.text and v.layout.yaxis.title.text or not fig.data, key
        assert v.layout.title.text, key
        assert fig.to_dict()["layout"]["template"]["layout"]["paper_bgcolor"] == "white", key
        assert v.layout.legend.orientation == "h", key


def test_trace_names():
    f = all_figures()
    assert names(f["demand"]) == ["Original demand", "New demand", "Outdoor temperature"]
    assert names(f["der"]) == [
        "Grid serving load", "Home BESS serving load", "Home generator serving load",
        "Home thermal devices serving load", "Grid charging home BESS",
        "Grid charging thermal devices", "Outdoor temperature"]
    assert names(f["thermal"]) == [
        "Grid serving load", "Home water heater serving load", "Home heat pump serving load",
        "Home water heater charging", "Home heat pump charging", "Outdoor temperature"]
    assert names(f["profile"]) == ["Lowest possible power (charging at full extra load)",
                                   "Highest possible power (shedding the whole baseline)",
                                   "Power used"]
    assert names(f["soc"]) == ["State of charge"]
    assert list(f["soc"].layout.yaxis.range) == [0, 100]
    assert names(f["cash"]) == ["Savings", "Costs", "Cumulative net cash flow"]
    assert f["cash"].layout.barmode == "relative"
    assert names(f["breakdown"]) == ["Energy savings", "Demand savings", "Subsidies", "Costs",
                                     "Net"]


def test_der_serving_load_omits_disabled_devices_and_stacks_charging_separately():
    fig = der(generator_kw=ZERO, grid_to_bess_kw=ZERO, bess_kw=ZERO, temperature_f=None)
    assert names(fig) == ["Grid serving load", "Home thermal devices serving load",
                          "Grid charging thermal devices"]
    assert [t.stackgroup for t in fig.data] == ["serving", "serving", "charging"]
    assert "yaxis2" not in fig.to_dict()["layout"]  # no temperature, no secondary axis


def test_same_colour_per_technology_and_lighter_charging():
    fig = der()
    by_name = {t.name: t for t in fig.data}
    bess = P.TECH_COLOURS["bess"]
    assert by_name["Home BESS serving load"].line.color == bess
    assert by_name["Grid charging home BESS"].line.color == bess
    assert by_name["Grid charging home BESS"].fillcolor.endswith(",0.45)")
    assert by_name["Grid serving load"].line.color == P.OKABE_ITO["grey"]


def test_temperature_is_legendonly_on_right_axis():
    for key in ("demand", "der", "thermal"):
        fig = all_figures()[key]
        (t,) = [t for t in fig.data if t.name == "Outdoor temperature"]
        assert t.visible == "legendonly" and t.yaxis == "y2", key
        assert fig.layout.yaxis2.side == "right" and fig.layout.yaxis2.overlaying == "y", key
        assert "°F" in fig.layout.yaxis2.title.text, key


def test_time_axis_regular_and_irregular():
    fig = P.bess_state_of_charge(TS, np.full(N, 50.0))
    t = fig.data[0]
    assert t.x is None and t.x0 == "2018-01-01 00:00:00" and t.dx == 3_600_000  # ms
    irregular = TS.delete(5)
    fig = P.bess_state_of_charge(irregular, np.full(N - 1, 50.0))
    assert list(fig.data[0].x[:2]) == ["2018-01-01T00:00:00", "2018-01-01T01:00:00"]
    assert fig.layout.xaxis.type == "date"
    with pytest.raises(ValueError):
        P.bess_state_of_charge(TS, np.ones(N - 1))
    with pytest.raises(ValueError):
        P.impact_to_demand(TS, r(), np.ones(N + 1))


def test_empty_figures_say_why():
    f = all_figures()
    for key, text in (("empty_thermal", "No thermal device was enabled."),
                      ("empty_breakdown", "No technology was enabled.")):
        assert len(f[key].data) == 0
        assert [a.text for a in f[key].layout.annotations] == [text]
    assert f["empty_breakdown"].layout.title.text == THERMAL_TITLE
    with pytest.raises(ValueError, match="unknown thermal devices"):
        P.thermal_serving_load(TS, grid_kw=r(), devices={"fridge": (r(), r())})


def test_cash_flow_annotation_and_no_nan_in_json():
    fig = P.cash_flow(np.arange(3), savings_usd=[0, 1, 1], costs_usd=[5, 0, 0],
                      net_usd=[-5, 1, 1], cumulative_usd=[-5, -4, -3], npv_usd=-1234.4,
                      payback_years=None)
    (note,) = fig.layout.annotations
    assert note.text == "NPV: -$1,234 · Simple payback: never"
    assert list(fig.data[1].y) == [-5, 0, 0]  # costs drawn negative
    json.dumps(P.figure_json(fig), allow_nan=False)
    fig = P.cash_flow([0, 1], savings_usd=[0, 1], costs_usd=[1, 0], net_usd=[-1, 1],
                      cumulative_usd=[-1, 0], npv_usd=1234.5, payback_years=float("inf"))
    assert fig.layout.annotations[0].text.endswith("Simple payback: never")
    fig = P.cash_flow([0, 1], savings_usd=[0, 1], costs_usd=[1, 0], net_usd=[-1, 1],
                      cumulative_usd=[-1, 0], npv_usd=2000, payback_years=3.24)
    assert fig.layout.annotations[0].text == "NPV: $2,000 · Simple payback: 3.2 years"


def test_savings_breakdown_net_marker():
    fig = all_figures()["breakdown"]
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["Net"].x) == ["BESS", "Generator"]
    assert list(by_name["Net"].y) == [100 + 50 + 25 - 400, 10 + 0 + 5 - 2.5]  # -225, 12.5
    assert list(by_name["Costs"].y) == [-400, -2.5]
    assert by_name["Subsidies"].marker.color == P.PART_COLOURS["subsidies"]


def test_figure_json_is_plain_and_deterministic():
    for key, fig in all_figures().items():
        a, b = P.figure_json(fig), P.figure_json(fig)
        text = json.dumps(a, allow_nan=False, sort_keys=False)
        assert text == json.dumps(b, allow_nan=False), key
    # same inputs, separately built figures: identical JSON too
    x = P.impact_to_demand(TS, np.arange(N, dtype=float), np.ones(N), TEMP)
    y = P.impact_to_demand(TS, np.arange(N, dtype=float), np.ones(N), TEMP)
    assert json.dumps(P.figure_json(x)) == json.dumps(P.figure_json(y))


def test_write_html_offline_and_byte_identical(tmp_path):
    js = P.write_plotlyjs(tmp_path)
    assert js == tmp_path / "plotly.min.js" and js.stat().st_size > 1_000_000
    mtime = js.stat().st_mtime_ns
    assert P.write_plotlyjs(tmp_path) == js and js.stat().st_mtime_ns == mtime  # not rewritten
    fig = all_figures()["der"]
    first = P.write_html(fig, tmp_path / "Plot DER.html").read_bytes()
    second = P.write_html(fig, tmp_path / "Plot DER.html").read_bytes()
    assert first == second
    html = first.decode("utf-8")
    assert 'src="plotly.min.js"' in html and 'id="plot-Plot-DER"' in html
    assert "cdn" not in html.lower()
    assert not re.search(r"<script[^>]+src=\"https?:", html)
    assert '"displaylogo": false' in html and '"responsive": true' in html
    with pytest.raises(ValueError):
        P.write_html(fig, tmp_path / "x.html", plotlyjs="plotly")
