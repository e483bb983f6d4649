"""Charts: plotly figures built on the server, drawn in the browser by the console's own plotly.js.

A view puts ``chart_payload(figure)`` in its context and includes ``console/_chart.html``;
the figure travels as JSON in a ``<script type="application/json">`` (data, not code, so
the Content-Security-Policy allows it) and ``static/console/console.js`` draws every chart
on the page. Functions that build figures take plain data (DataFrames, lists) and do no
queries, so that what a chart shows is decided by the selector that feeds it.
"""

import functools
import json

import plotly.graph_objects as go
import plotly.io as pio

LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
    "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
}


def chart_payload(figure: go.Figure | dict) -> str:
    """The figure as compact JSON for the page (no plotly.js bundled: the console serves its own).

    ``figure`` is a plotly figure, or plotly's JSON of one as a dict (``data``, ``layout``) where a
    chart has so many points that plotly's validation would cost more than the page may take.
    The console's layout is merged into the figure's JSON rather than through ``update_layout``:
    plotly copies and validates the whole template there, some 14 ms a chart (bench/RESULTS.md).
    """
    if isinstance(figure, dict):
        payload = {"data": figure.get("data", []), "layout": dict(figure.get("layout", {}))}
    else:
        payload = json.loads(pio.to_json(figure, validate=False, engine="json"))
    layout = payload.setdefault("layout", {})
    for key, value in LAYOUT.items():
        if key == "template":
            layout[key] = _template_json(value)
        else:
            layout[key] = {**value, **layout.get(key, {})}  # what the figure sets wins over the defaults
    return json.dumps(payload, separators=(",", ":"))


@functools.cache
def _template_json(name: str) -> dict:
    """A plotly template as the JSON plotly would write for it (made once per process)."""
    figure = go.Figure(layout={"template": name})
    return json.loads(pio.to_json(figure, validate=False, engine="json"))["layout"]["template"]
