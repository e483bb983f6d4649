"""A chart travels to the page as JSON data, never as code."""

import json

import plotly.graph_objects as go
from django.template import Context, Template

from console.charts import chart_payload


def test_a_figure_becomes_json_with_the_console_layout():
    payload = json.loads(chart_payload(go.Figure(go.Bar(x=["r", "i"], y=[3, 4]))))

    assert payload["data"][0]["type"] == "bar"
    assert payload["data"][0]["y"] == [3, 4]
    assert payload["layout"]["margin"]["t"] == 40


def test_a_figure_written_as_plotly_json_gets_the_same_console_layout():
    figure = {"data": [{"type": "bar", "x": ["r", "i"], "y": [3, 4]}], "layout": {"margin": {"l": 260}}}

    payload = json.loads(chart_payload(figure))
    validated = json.loads(chart_payload(go.Figure(figure)))

    assert payload["data"] == [{"type": "bar", "x": ["r", "i"], "y": [3, 4]}]
    assert payload["layout"]["margin"] == {"l": 260, "r": 20, "t": 40, "b": 40}
    assert payload["layout"]["template"] == validated["layout"]["template"]
    assert figure["layout"] == {"margin": {"l": 260}}  # the caller's figure is left as it was


def test_the_chart_include_embeds_data_that_cannot_break_out_of_its_script():
    payload = chart_payload(go.Figure(go.Bar(x=["</script><script>alert(1)</script>"], y=[1])))

    html = Template('{% include "console/_chart.html" with chart_id="c1" payload=payload %}').render(
        Context({"payload": payload})
    )

    assert '<script id="c1" type="application/json">' in html
    assert "</script><script>" not in html.split('type="application/json">', 1)[1].split("</script>", 1)[0]
