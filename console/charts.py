"""Charts: plotly figures built on the server, drawn in the browser by the console's own plotly.js.

A view puts ``chart_payload(figure)`` in its context and includes ``console/_chart.html``;
the figure travels as JSON in a ``<script type="application/json">`` (data, not code, so
the Content-Security-Policy allows it) and ``static/console/console.js`` draws every chart
on the page. Functions that build figures take plain data (DataFrames, lists) and do no
queries, so that what a chart shows is decided by the selector that feeds it.
"""

import json

import plotly.graph_objects as go
import plotly.io as pio

LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
    "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
}


def chart_payload(figure: go.Figure) -> str:
    """The figure as compact JSON for the page (no plotly.js bundled: the console serves its own)."""
    figure.update_layout(**LAYOUT)
    return json.dumps(json.loads(pio.to_json(figure, validate=False, engine="json")), separators=(",", ":"))
