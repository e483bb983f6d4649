"""How an audit event's before and after are shown: one line per field."""

from console.models import AuditEvent
from console.templatetags.audit import audit_changes


def test_a_change_shows_each_field_before_and_after():
    event = AuditEvent(before={"roles": ["viewer"]}, after={"roles": ["operator", "viewer"]})

    assert audit_changes(event) == [("roles", "viewer", "operator, viewer")]


def test_a_creation_shows_only_the_new_values_that_are_set():
    event = AuditEvent(before=None, after={"version": "v23.0.0", "level": None, "notes": "", "steps": []})

    assert audit_changes(event) == [("version", None, "v23.0.0")]


def test_a_value_that_was_cleared_shows_as_a_dash():
    event = AuditEvent(before={"holder": "member"}, after={"holder": None})

    assert audit_changes(event) == [("holder", "member", "—")]


def test_an_event_without_values_shows_nothing():
    assert audit_changes(AuditEvent()) == []
