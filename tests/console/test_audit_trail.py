"""The audit trail: one row per change, written with the change, and never changed afterwards."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from console.models import AuditEvent
from console.services import audit_record, user_role_grant

pytestmark = pytest.mark.django_db


def test_a_role_change_writes_one_audit_row_with_before_after_and_request_id(client_for, task_force_lead, viewer):
    response = client_for(task_force_lead).post(
        reverse("api:user-grant-role", kwargs={"username": viewer.username}),
        {"role": "operator"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-0123456789",
    )

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.actor == task_force_lead
    assert event.actor_name == "lead"
    assert event.action == "user.role-granted"
    assert (event.object_type, event.object_id, event.object_repr) == ("auth.user", str(viewer.pk), "viewer")
    assert event.before == {"roles": ["viewer"]}
    assert event.after == {"roles": ["operator", "viewer"]}
    assert event.request_id == "req-0123456789"
    assert response["X-Request-ID"] == "req-0123456789"


def test_a_refused_change_writes_no_audit_row(task_force_lead, viewer):
    with pytest.raises(Exception, match="already has the role"):
        user_role_grant(actor=task_force_lead, user=viewer, role="viewer")

    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_audit_rows_are_written_only_inside_the_change_transaction(viewer):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, action="user.touched", obj=viewer)


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_api_cannot_change_or_delete_audit_rows(client_for, staff_user, viewer, method):
    with transaction.atomic():
        event = audit_record(actor=staff_user, action="user.touched", obj=viewer, after={"x": 1})
    url = reverse("api:audit-event-detail", kwargs={"pk": event.pk})

    response = getattr(client_for(staff_user), method)(url, {"action": "forged"}, content_type="application/json")

    assert response.status_code == 405
    event.refresh_from_db()
    assert (event.action, event.after) == ("user.touched", {"x": 1})


def test_the_admin_cannot_add_change_or_delete_audit_rows(client_for, staff_user, viewer):
    with transaction.atomic():
        event = audit_record(actor=staff_user, action="user.touched", obj=viewer)
    admin = client_for(staff_user)

    change = admin.post(reverse("admin:console_auditevent_change", args=[event.pk]), {"action": "forged"})
    delete = admin.post(reverse("admin:console_auditevent_delete", args=[event.pk]), {"post": "yes"})
    add = admin.post(reverse("admin:console_auditevent_add"), {"action": "forged"})
    bulk_delete = admin.post(
        reverse("admin:console_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    assert add.status_code == 403
    assert bulk_delete.status_code == 200  # the changelist, with no delete action to run
    assert AuditEvent.objects.filter(pk=event.pk, action="user.touched").exists()
    assert admin.get(reverse("admin:console_auditevent_change", args=[event.pk])).status_code == 200


def test_the_database_refuses_to_update_an_audit_row(staff_user, viewer):
    with transaction.atomic():
        event = audit_record(actor=staff_user, action="user.touched", obj=viewer)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")

    event.refresh_from_db()
    assert event.action == "user.touched"


def test_the_database_refuses_to_delete_an_audit_row_on_postgresql(staff_user, viewer):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE so that Django can empty test tables; PostgreSQL refuses it")
    with transaction.atomic():
        event = audit_record(actor=staff_user, action="user.touched", obj=viewer)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_objects_page_shows_its_last_events(client_for, task_force_lead, viewer):
    user_role_grant(actor=task_force_lead, user=viewer, role="operator")

    response = client_for(task_force_lead).get(reverse("console:person-detail", kwargs={"username": "viewer"}))

    assert [event.action for event in response.context["events"]] == ["user.role-granted"]
    assert b"user.role-granted" in response.content
