"""Figures of the QA pages, built from statistics the selectors computed: no queries here, no raw values.

Every function takes aggregates (bin counts, quantiles per group, one row per run)
and returns the JSON payload of ``console.charts.chart_payload``, the figure written
as plotly's JSON directly (plotly's validating objects cost some 5 ms a chart, and the
run's page draws seven: bench/RESULTS.md); what a chart
weighs depends on the number of bins, groups or runs, never on the number of
measurements. Box plots are drawn from quantiles (plotly's precomputed ``q1``,
``median``, ``q3`` and fences): the box spans the 5th to the 95th percentile and
the whiskers reach the minimum and maximum.
"""

import math
from collections.abc import Sequence
from itertools import pairwise

from console.charts import chart_payload

BOX_NOTE = "box: 5th-95th percentile, line: median, dashes: mean, whiskers: min-max"
PASS_COLOUR, FAIL_COLOUR, NEUTRAL_COLOUR = "#198754", "#dc3545", "#0d6efd"


def _number(value) -> float | None:
    """A JSON-safe float: None for missing or non-finite values, 6 significant digits otherwise."""
    if value is None:
        return None
    number = float(value)
    return float(f"{number:.6g}") if math.isfinite(number) else None


def _axis_title(name: str, unit: str) -> str:
    return f"{name} [{unit}]" if unit else name


def _title(text: str) -> dict:
    return {"text": text, "font": {"size": 13}}


def histogram(name: str, unit: str, edges: Sequence[float], counts: Sequence[int], *, height: int = 260) -> str:
    """Counts per bin (``len(edges) == len(counts) + 1``) as touching bars."""
    bar = {
        "type": "bar",
        "x": [_number((low + high) / 2) for low, high in pairwise(edges)],
        "y": [int(count) for count in counts],
        "width": [_number(high - low) for low, high in pairwise(edges)],
        "marker": {"color": NEUTRAL_COLOUR, "line": {"width": 0}},
        "hovertemplate": "%{x}: %{y}<extra></extra>",
    }
    layout = {
        "title": _title(name),
        "height": height,
        "bargap": 0,
        "xaxis": {"title": {"text": _axis_title("value", unit)}},
        "yaxis": {"title": {"text": "measurements"}},
        "margin": {"t": 36, "b": 40},
    }
    return chart_payload({"data": [bar], "layout": layout})


def _box(categories: Sequence[str], rows: Sequence[dict], name: str, **trace) -> dict:
    return {
        "type": "box",
        "x": list(categories),
        "q1": [_number(row["p05"]) for row in rows],
        "median": [_number(row["median"]) for row in rows],
        "q3": [_number(row["p95"]) for row in rows],
        "lowerfence": [_number(row["min"]) for row in rows],
        "upperfence": [_number(row["max"]) for row in rows],
        "mean": [_number(row["mean"]) for row in rows],
        "name": name,
        "boxpoints": False,
        **trace,
    }


def quantile_boxes(
    title: str, categories: Sequence[str], rows: Sequence[dict], *, unit: str = "", axis: str = ""
) -> str:
    """One box per category from its statistics (rows with min, p05, median, p95, max, mean)."""
    layout = {
        "title": _title(f"{title}<br><sup>{BOX_NOTE}</sup>"),
        "height": 320,
        "showlegend": False,
        "xaxis": {"title": {"text": axis}, "type": "category"},
        "yaxis": {"title": {"text": _axis_title("value", unit)}},
        "margin": {"t": 56},
    }
    return chart_payload({"data": [_box(categories, rows, title, marker={"color": NEUTRAL_COLOUR})], "layout": layout})


def heatmap(
    title: str, x_key: str, y_key: str, x_values: Sequence[str], y_values: Sequence[str], z, *, unit: str = ""
) -> str:
    """Medians on a grid of two tags (``z[row][column]``, None where the pair has no measurement)."""
    cells = {
        "type": "heatmap",
        "x": list(x_values),
        "y": list(y_values),
        "z": [[_number(value) for value in row] for row in z],
        "colorscale": "Viridis",
        "colorbar": {"title": {"text": f"median [{unit}]" if unit else "median"}},
        "hovertemplate": f"{x_key} %{{x}}, {y_key} %{{y}}: %{{z}}<extra></extra>",
        "hoverongaps": False,
    }
    layout = {
        "title": _title(title),
        "height": max(320, min(900, 60 + 18 * len(y_values))),
        "xaxis": {"title": {"text": x_key}, "type": "category"},
        "yaxis": {"title": {"text": y_key}, "type": "category"},
    }
    return chart_payload({"data": [cells], "layout": layout})


def trend(title: str, runs: Sequence[dict], *, by: str, unit: str = "", order: Sequence[str] | None = None) -> str:
    """A metric's median across runs, with its 5th-95th percentile band.

    ``runs``: dicts with ``x`` (end time or release version), ``label``, ``p05``, ``median``, ``p95``.
    By time, the band is a filled area under the line; by release (a category axis in
    ``order``, version numbers ascending) each run is a point with its band as an error bar.
    """
    if by == "time":
        traces = _trend_over_time(runs)
        xaxis = {"title": {"text": "run end time (UTC)"}, "type": "date"}
    else:
        traces = _trend_by_release(runs)
        xaxis = {
            "title": {"text": "release"},
            "type": "category",
            "categoryorder": "array",
            "categoryarray": list(order or []),
        }
    layout = {
        "title": _title(title),
        "height": 360,
        "xaxis": xaxis,
        "yaxis": {"title": {"text": _axis_title("value", unit)}},
        "legend": {"orientation": "h", "y": -0.25},
    }
    return chart_payload({"data": traces, "layout": layout})


def _trend_over_time(runs: Sequence[dict]) -> list[dict]:
    """The median as a line, between the 95th and the 5th percentile as the edges of a filled band."""
    xs = [run["x"] for run in runs]
    return [
        _line(xs, _series(runs, "p95"), mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False),
        _line(
            xs,
            _series(runs, "p05"),
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(13,110,253,0.18)",
            name="5th-95th percentile",
            hoverinfo="skip",
        ),
        _line(
            xs,
            _series(runs, "median"),
            mode="lines+markers",
            name="median",
            text=[run["label"] for run in runs],
            marker={"color": NEUTRAL_COLOUR},
            hovertemplate="%{text}<br>median %{y}<extra></extra>",
        ),
    ]


def _trend_by_release(runs: Sequence[dict]) -> list[dict]:
    """Each run's median as a point, its 5th-95th percentile as an error bar around it."""
    medians, lows, highs = _series(runs, "median"), _series(runs, "p05"), _series(runs, "p95")
    above = [None if h is None or m is None else _number(h - m) for h, m in zip(highs, medians, strict=True)]
    below = [None if lo is None or m is None else _number(m - lo) for lo, m in zip(lows, medians, strict=True)]
    return [
        _line(
            [run["x"] for run in runs],
            medians,
            mode="markers",
            name="median (bar: 5th-95th percentile)",
            text=[run["label"] for run in runs],
            marker={"color": NEUTRAL_COLOUR, "size": 9},
            error_y={"type": "data", "symmetric": False, "array": above, "arrayminus": below},
            hovertemplate="%{text}<br>median %{y}<extra></extra>",
        )
    ]


def _series(runs: Sequence[dict], statistic: str) -> list[float | None]:
    return [_number(run[statistic]) for run in runs]


def _line(x: Sequence, y: Sequence, **trace) -> dict:
    return {"type": "scatter", "x": [_json_value(value) for value in x], "y": list(y), **trace}


def _json_value(value):
    """Dates and times as plotly writes them (ISO 8601); anything else as it is."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _change_colour(row: dict) -> str:
    if row["regressed"]:
        return FAIL_COLOUR
    return PASS_COLOUR if row["flagged"] else NEUTRAL_COLOUR


def median_changes(rows: Sequence[dict]) -> str:
    """Change of each metric's median from run A to run B, in percent of the metric's scale (``qa.compare``: its
    specification's threshold, else the spread of its values, else A's median), so that a metric whose values are
    near zero does not dwarf the others; each bar says which scale it is in. Worse in red, better in green when
    flagged."""
    shown = [row for row in rows if row["median_scaled"] is not None]
    bar = {
        "type": "bar",
        "x": [_number(100 * row["median_scaled"]) for row in shown],
        "y": [row["name"] for row in shown],
        "orientation": "h",
        "marker": {"color": [_change_colour(row) for row in shown]},
        "text": [row["scale"].short for row in shown],
        "textposition": "auto",
        "customdata": [row["scale"].label for row in shown],
        "hovertemplate": "%{y}: %{x:+.2f} % of %{customdata}<extra></extra>",
    }
    layout = {
        "title": _title("Change of the median, B - A, in % of each metric's scale"),
        "height": max(240, 60 + 22 * len(shown)),
        "xaxis": {
            "title": {"text": "% of the specification's threshold (else of the spread in A, else of A)"},
            "zeroline": True,
        },
        "yaxis": {"type": "category", "autorange": "reversed", "automargin": True},
    }
    return chart_payload({"data": [bar], "layout": layout})
