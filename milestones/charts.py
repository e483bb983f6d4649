"""The report's charts: a timeline (Gantt) of the milestones by team and a burndown. Report rows in,
plotly's JSON figure out (a dict, for ``console.charts.chart_payload``)."""

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from console.identifiers import shown
from milestones.choices import MilestoneStatus
from milestones.reports import ReportRow

COLOURS = {
    "overdue": "#dc3545",
    "open": "#0d6efd",
    "done": "#198754",
    "wont_fix": "#6c757d",
    "slip": "rgba(220, 53, 69, 0.25)",
    "baseline": "#6c757d",
    "forecast": "#fd7e14",
    "actual": "#0d6efd",
}
MS_PER_DAY = 24 * 3600 * 1000


def _state(row: ReportRow, as_of: date) -> str:
    if row.status == MilestoneStatus.DONE:
        return "done"
    if row.status == MilestoneStatus.WONT_FIX:
        return "wont_fix"
    return "overdue" if row.due_date and row.due_date < as_of else "open"


def _as_of_marks(as_of: date) -> dict:
    """A dotted vertical line on the report's date, labelled (layout entries)."""
    day = as_of.isoformat()
    return {
        "shapes": [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": day,
                "x1": day,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#212529", "width": 1, "dash": "dot"},
            }
        ],
        "annotations": [
            {
                "x": day,
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "text": f"as of {as_of}",
                "showarrow": False,
                "yanchor": "bottom",
            }
        ],
    }


def gantt_figure(rows: Sequence[ReportRow], *, as_of: date) -> dict:
    """One line per milestone, grouped by team: a diamond on its due date (its completion, once done),
    coloured by state; a bar from the baseline to the due date when it slipped; an open diamond on a
    forecast that differs from the due date.

    The figure is plotly's JSON written directly (``console.charts.chart_payload`` takes it): with a
    thousand milestones, building it through plotly's validating objects took about 170 ms a request,
    two thirds of the report's time (bench/RESULTS.md).
    """
    dated = sorted(
        (row for row in rows if row.due_date or row.completed_date),
        key=lambda row: (row.team_label.casefold(), row.due_date or row.completed_date, row.jira_key),
    )
    traces = [*_slip_traces(dated), *_state_traces(dated, as_of), *_forecast_traces(dated)]
    layout = {
        "title": {"text": "Timeline by team"},
        "barmode": "overlay",
        "height": 160 + 22 * max(len(dated), 3),
        "xaxis": {"type": "date"},
        "yaxis": {"autorange": "reversed", "type": "multicategory", "tickfont": {"size": 10}},
        "legend": {"orientation": "h", "y": -0.08 if len(dated) > 15 else -0.2},
        "margin": {"l": 260},
        **_as_of_marks(as_of),
    }
    return {"data": traces, "layout": layout}


def _gantt_axis(rows: list[ReportRow]) -> list[list[str]]:
    """The timeline's two-level categories: team, then milestone."""
    return [[row.team_label for row in rows], [shown(row.jira_key) for row in rows]]


def _slip_traces(dated: list[ReportRow]) -> list[dict]:
    """A bar from the baseline to the due date of each milestone that slipped (none if none did)."""
    slipped = [row for row in dated if row.slip_days]
    if not slipped:
        return []
    return [
        {
            "type": "bar",
            "name": "Slip (baseline → due)",
            "orientation": "h",
            "y": _gantt_axis(slipped),
            "base": [row.baseline_due_date.isoformat() for row in slipped],
            "x": [row.slip_days * MS_PER_DAY for row in slipped],
            "marker": {"color": COLOURS["slip"]},
            "customdata": [[row.title, row.slip_days] for row in slipped],
            "hovertemplate": "%{customdata[0]}<br>slipped %{customdata[1]} days<extra></extra>",
        }
    ]


def _state_traces(dated: list[ReportRow], as_of: date) -> list[dict]:
    """A diamond per milestone on its due date (its completion, once done), one trace per state that has any."""
    traces = []
    labels = {"overdue": "Overdue", "open": "Open", "done": "Done", "wont_fix": "Won't fix"}
    for state, label in labels.items():
        subset = [row for row in dated if _state(row, as_of) == state]
        if not subset:
            continue
        traces.append(
            {
                "type": "scatter",
                "name": label,
                "mode": "markers",
                "y": _gantt_axis(subset),
                "x": [
                    ((row.completed_date if state == "done" else None) or row.due_date).isoformat() for row in subset
                ],
                "marker": {"symbol": "diamond", "size": 10, "color": COLOURS[state]},
                "customdata": [
                    [row.title, row.status, row.due_date.isoformat() if row.due_date else ""] for row in subset
                ],
                "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}, due %{customdata[2]}<extra></extra>",
            }
        )
    return traces


def _forecast_traces(dated: list[ReportRow]) -> list[dict]:
    """An open diamond on each open milestone's forecast that differs from its due date (none if none does)."""
    forecast = [row for row in dated if row.is_open and row.forecast_date and row.forecast_date != row.due_date]
    if not forecast:
        return []
    return [
        {
            "type": "scatter",
            "name": "Forecast",
            "mode": "markers",
            "y": _gantt_axis(forecast),
            "x": [row.forecast_date.isoformat() for row in forecast],
            "marker": {"symbol": "diamond-open", "size": 10, "color": COLOURS["forecast"]},
            "hovertemplate": "forecast %{x}<extra></extra>",
        }
    ]


@dataclass
class Burndown:
    dates: list[date]
    baseline: list[int]
    forecast: list[int]
    actual: list[int | None]
    completion_unknown: int  # done milestones without a completion date, counted done on their due date


def burndown_series(rows: Sequence[ReportRow], *, as_of: date) -> Burndown:
    """Open milestones over time, three ways: by their baseline due dates (the plan), by their forecast
    or due dates (what is expected now), and by when they were done (up to the report date).
    Won't-fix milestones are out of scope and left out."""
    scope = [row for row in rows if row.status != MilestoneStatus.WONT_FIX]
    unknown = 0
    planned, expected, actual = [], [], []
    for row in scope:
        done_on = None
        if row.status == MilestoneStatus.DONE:
            done_on = row.completed_date or row.due_date
            unknown += row.completed_date is None
        planned.append(row.baseline_due_date or row.due_date)
        expected.append(done_on or row.forecast_date or row.due_date)
        actual.append(done_on)
    known = [day for day in (*planned, *expected, *actual) if day is not None]
    if not known:
        return Burndown([as_of], [len(scope)], [len(scope)], [len(scope)], unknown)
    first = min(known)
    # The day before the first, unless that is before the calendar begins (a stored 0001-01-01).
    days = sorted({first - timedelta(days=1) if first > date.min else first, *known, as_of})

    def still_open(finish: list[date | None]) -> list[int]:
        """How many are not finished by each day: those without a date, and those finished later."""
        finished = sorted(day for day in finish if day is not None)
        return [len(finish) - bisect_right(finished, day) for day in days]

    return Burndown(
        dates=days,
        baseline=still_open(planned),
        forecast=still_open(expected),
        actual=[count if day <= as_of else None for day, count in zip(days, still_open(actual), strict=True)],
        completion_unknown=unknown,
    )


def burndown_figure(series: Burndown, *, as_of: date) -> dict:
    """Open milestones over time, three step lines, as plotly's JSON (as ``gantt_figure``)."""
    x = [day.isoformat() for day in series.dates]
    traces = [
        {
            "type": "scatter",
            "name": name,
            "x": x,
            "y": values,
            "mode": "lines",
            "line": {"shape": "hv", "color": colour, "dash": dash, "width": 2},
            "connectgaps": False,
        }
        for name, values, colour, dash in (
            ("Baseline (first due dates)", series.baseline, COLOURS["baseline"], "dash"),
            ("Forecast (forecast or due dates)", series.forecast, COLOURS["forecast"], "solid"),
            ("Actual (completions)", series.actual, COLOURS["actual"], "solid"),
        )
    ]
    layout = {
        "title": {"text": "Burndown: open milestones"},
        "height": 360,
        "xaxis": {"type": "date"},
        "yaxis": {"title": {"text": "open milestones"}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.2},
        **_as_of_marks(as_of),
    }
    return {"data": traces, "layout": layout}
