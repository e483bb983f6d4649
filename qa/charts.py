"""Figures of the QA pages, built from statistics the selectors computed: no queries here, no raw values.

Every function takes aggregates (bin counts, quantiles per group, one row per run)
and returns the JSON payload of ``console.charts.chart_payload``; what a chart
weighs depends on the number of bins, groups or runs, never on the number of
measurements. Box plots are drawn from quantiles (plotly's precomputed ``q1``,
``median``, ``q3`` and fences): the box spans the 5th to the 95th percentile and
the whiskers reach the minimum and maximum.
"""

import math
from collections.abc import Sequence
from itertools import pairwise

import plotly.graph_objects as go

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


def histogram(name: str, unit: str, edges: Sequence[float], counts: Sequence[int], *, height: int = 260) -> str:
    """Counts per bin (``len(edges) == len(counts) + 1``) as touching bars."""
    centres = [_number((low + high) / 2) for low, high in pairwise(edges)]
    widths = [_number(high - low) for low, high in pairwise(edges)]
    figure = go.Figure(
        go.Bar(
            x=centres,
            y=[int(count) for count in counts],
            width=widths,
            marker={"color": NEUTRAL_COLOUR, "line": {"width": 0}},
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    figure.update_layout(
        title={"text": name, "font": {"size": 13}},
        height=height,
        bargap=0,
        xaxis_title=_axis_title("value", unit),
        yaxis_title="measurements",
        margin={"t": 36, "b": 40},
    )
    return chart_payload(figure)


def _box(categories: Sequence[str], rows: Sequence[dict], name: str, **trace) -> go.Box:
    return go.Box(
        x=list(categories),
        q1=[_number(row["p05"]) for row in rows],
        median=[_number(row["median"]) for row in rows],
        q3=[_number(row["p95"]) for row in rows],
        lowerfence=[_number(row["min"]) for row in rows],
        upperfence=[_number(row["max"]) for row in rows],
        mean=[_number(row["mean"]) for row in rows],
        name=name,
        boxpoints=False,
        **trace,
    )


def quantile_boxes(
    title: str, categories: Sequence[str], rows: Sequence[dict], *, unit: str = "", axis: str = ""
) -> str:
    """One box per category from its statistics (rows with min, p05, median, p95, max, mean)."""
    figure = go.Figure(_box(categories, rows, title, marker={"color": NEUTRAL_COLOUR}))
    figure.update_layout(
        title={"text": f"{title}<br><sup>{BOX_NOTE}</sup>", "font": {"size": 13}},
        height=320,
        showlegend=False,
        xaxis={"title": axis, "type": "category"},
        yaxis_title=_axis_title("value", unit),
        margin={"t": 56},
    )
    return chart_payload(figure)


def heatmap(
    title: str, x_key: str, y_key: str, x_values: Sequence[str], y_values: Sequence[str], z, *, unit: str = ""
) -> str:
    """Medians on a grid of two tags (``z[row][column]``, None where the pair has no measurement)."""
    figure = go.Figure(
        go.Heatmap(
            x=list(x_values),
            y=list(y_values),
            z=[[_number(value) for value in row] for row in z],
            colorscale="Viridis",
            colorbar={"title": {"text": f"median [{unit}]" if unit else "median"}},
            hovertemplate=f"{x_key} %{{x}}, {y_key} %{{y}}: %{{z}}<extra></extra>",
            hoverongaps=False,
        )
    )
    figure.update_layout(
        title={"text": title, "font": {"size": 13}},
        height=max(320, min(900, 60 + 18 * len(y_values))),
        xaxis={"title": x_key, "type": "category"},
        yaxis={"title": y_key, "type": "category"},
    )
    return chart_payload(figure)


def trend(title: str, runs: Sequence[dict], *, by: str, unit: str = "", order: Sequence[str] | None = None) -> str:
    """A metric's median across runs, with its 5th-95th percentile band.

    ``runs``: dicts with ``x`` (end time or release version), ``label``, ``p05``, ``median``, ``p95``.
    By time, the band is a filled area under the line; by release (a category axis in
    ``order``, version numbers ascending) each run is a point with its band as an error bar.
    """
    xs = [run["x"] for run in runs]
    medians = [_number(run["median"]) for run in runs]
    lows = [_number(run["p05"]) for run in runs]
    highs = [_number(run["p95"]) for run in runs]
    labels = [run["label"] for run in runs]
    if by == "time":
        traces = [
            go.Scatter(x=xs, y=highs, mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False),
            go.Scatter(
                x=xs,
                y=lows,
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(13,110,253,0.18)",
                name="5th-95th percentile",
                hoverinfo="skip",
            ),
            go.Scatter(
                x=xs,
                y=medians,
                mode="lines+markers",
                name="median",
                text=labels,
                marker={"color": NEUTRAL_COLOUR},
                hovertemplate="%{text}<br>median %{y}<extra></extra>",
            ),
        ]
        xaxis = {"title": "run end time (UTC)", "type": "date"}
    else:
        traces = [
            go.Scatter(
                x=xs,
                y=medians,
                mode="markers",
                name="median (bar: 5th-95th percentile)",
                text=labels,
                marker={"color": NEUTRAL_COLOUR, "size": 9},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        None if h is None or m is None else _number(h - m) for h, m in zip(highs, medians, strict=True)
                    ],
                    "arrayminus": [
                        None if lo is None or m is None else _number(m - lo)
                        for lo, m in zip(lows, medians, strict=True)
                    ],
                },
                hovertemplate="%{text}<br>median %{y}<extra></extra>",
            )
        ]
        xaxis = {"title": "release", "type": "category", "categoryorder": "array", "categoryarray": list(order or [])}
    figure = go.Figure(traces)
    figure.update_layout(
        title={"text": title, "font": {"size": 13}},
        height=360,
        xaxis=xaxis,
        yaxis_title=_axis_title("value", unit),
        legend={"orientation": "h", "y": -0.25},
    )
    return chart_payload(figure)


def _change_colour(row: dict) -> str:
    if row["regressed"]:
        return FAIL_COLOUR
    return PASS_COLOUR if row["flagged"] else NEUTRAL_COLOUR


def relative_changes(rows: Sequence[dict]) -> str:
    """Relative change of each metric's median from run A to run B: worse in red, better in green when flagged."""
    shown = [row for row in rows if row["median_rel"] is not None]
    figure = go.Figure(
        go.Bar(
            x=[_number(100 * row["median_rel"]) for row in shown],
            y=[row["name"] for row in shown],
            orientation="h",
            marker={"color": [_change_colour(row) for row in shown]},
            hovertemplate="%{y}: %{x:.2f} %<extra></extra>",
        )
    )
    figure.update_layout(
        title={"text": "Change of the median, B against A (%)", "font": {"size": 13}},
        height=max(240, 40 + 22 * len(shown)),
        xaxis={"title": "%", "zeroline": True},
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
    )
    return chart_payload(figure)
