"""Parsing a milestone table exported as CSV or tab-separated text."""

from datetime import date

import pytest

from console.errors import InvalidInput
from milestones.services import KEEP, parse_milestone_table

HEADER = "milestone\tjira_id\trubin_id\tdue_date\tlevel\tstatus\tteam\n"


def test_it_reads_tab_separated_rows_with_a_none_level_and_blank_lines():
    text = HEADER + "Qserv on IDF\tPREOPS-142\tL3-MW-0010\t2021-03-31\t3\tDone\tMiddleware\n\n"
    text += "Quarterly monitoring\tPREOPS-518\tL3-SC-0050\t2022-12-30\tNone\tTo Do\tSurvey Scheduling\n"

    rows = parse_milestone_table(text)

    assert [(row.jira_key, row.level, row.due_date) for row in rows] == [
        ("PREOPS-142", 3, date(2021, 3, 31)),
        ("PREOPS-518", None, date(2022, 12, 30)),
    ]


def test_it_reads_csv_with_headers_in_any_order_and_case():
    text = "Status,JIRA_ID,Milestone,Due_Date\nIn Progress,PREOPS-156,Gen3 butler ready,2021-06-10\n"

    (row,) = parse_milestone_table(text)

    # A column the table lacks is not a value: the upsert leaves that field as it is.
    assert (row.jira_key, row.title, row.status, row.level, row.team) == (
        "PREOPS-156",
        "Gen3 butler ready",
        "In Progress",
        KEEP,
        KEEP,
    )


def test_it_reads_a_spreadsheet_export_with_a_byte_order_mark_and_statuses_in_any_case():
    text = "\ufeffmilestone,jira_id,due_date,status\r\n"
    text += "A,PREOPS-1,2021-06-30 00:00:00,done\r\nB,PREOPS-2,,won\u2019t fix\r\n"

    first, second = parse_milestone_table(text)

    assert (first.jira_key, first.due_date, first.status) == ("PREOPS-1", date(2021, 6, 30), "Done")
    assert (second.jira_key, second.due_date, second.status) == ("PREOPS-2", None, "Won't Fix")


def test_every_bad_row_is_named_and_nothing_is_returned():
    text = HEADER
    text += "Good\tPREOPS-1\t\t2021-01-01\t2\tDone\tT\n"
    text += "Bad date\tPREOPS-2\t\t2021-13-01\t2\tDone\tT\n"
    text += "Bad status\tPREOPS-3\t\t2021-01-01\t2\tFinished\tT\n"
    text += "No key\t\t\t2021-01-01\t7\tDone\tT\n"
    text += "Repeat\tPREOPS-1\t\t2021-01-01\t2\tDone\tT\n"

    with pytest.raises(InvalidInput) as refused:
        parse_milestone_table(text)

    message = str(refused.value)
    assert "line 3: due_date '2021-13-01' is not a date" in message
    assert "line 4: status 'Finished' is not one of To Do, In Progress, Done, Won't Fix" in message
    assert "line 5: jira_id is missing" in message
    assert "line 5: level '7' is not 1, 2, 3 or None" in message
    assert "line 6: jira_id 'PREOPS-1' repeats line 2" in message
    assert "line 2" not in message.replace("repeats line 2", "")


def test_a_missing_column_is_named():
    with pytest.raises(InvalidInput, match="Missing column\\(s\\): due_date"):
        parse_milestone_table("milestone,jira_id,status\nX,PREOPS-1,Done\n")
