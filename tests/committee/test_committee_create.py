"""Creating a committee: the task force lead (or staff) names it, its kind and quorum rule, one seat per area and
the area that chairs it; through the service, the "New committee" page and POST /api/v1/committees/."""

import pytest
from django.urls import reverse

from committee.models import Committee
from committee.services import committee_create
from console.errors import InvalidInput, NotPermitted
from console.models import AuditEvent

pytestmark = pytest.mark.django_db

API = "/api/v1/committees/"


def create(actor, **fields) -> Committee:
    values = {
        "name": "Change control board",
        "slug": "dmccb",
        "kind": "change-control",
        "areas": ("Chair", "Member"),
        "chair": "Chair",
    }
    return committee_create(actor=actor, **{**values, **fields})


def test_the_lead_creates_a_committee_with_vacant_seats_and_its_chair(task_force_lead):
    board = create(task_force_lead, quorum="majority-of-seats")

    seats = list(board.seats.values_list("area", "holder", "chair"))
    assert seats == [("Chair", None, True), ("Member", None, False)]
    assert board.quorum == "majority-of-seats"
    event = AuditEvent.objects.get(action="committee.created")
    assert (event.actor, event.object_id) == (task_force_lead, str(board.pk))
    assert event.after["seats"] == ["Chair", "Member"]


def test_staff_create_committees_too(staff_user):
    assert create(staff_user).slug == "dmccb"


def test_a_member_may_not_create_a_committee(committee_member):
    with pytest.raises(NotPermitted, match="Only a task force lead may create committees"):
        create(committee_member)

    assert not Committee.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"areas": ()}, "a committee needs at least one seat"),
        ({"areas": ("Chair", "chair"), "chair": None}, "'Chair' is given twice"),
        ({"areas": ("Chair", " Member")}, "area ' Member': an area has 1 to 100 printable characters"),
        ({"kind": "senate"}, "kind 'senate' is not one of policy, change-control, leadership"),
        ({"quorum": "most"}, "quorum 'most' is not one of every-seat, majority-of-seats"),
        ({"name": "  "}, "name '': a committee's name has 1 to 100 characters"),
        ({"slug": "new"}, "slug 'new' names a page of the committees"),
        ({"chair": "Head"}, "The chair 'Head' is not one of the areas"),
    ],
)
def test_it_refuses_a_committee_it_could_not_keep_naming_the_field(task_force_lead, fields, message):
    with pytest.raises(InvalidInput, match=message):
        create(task_force_lead, **fields)

    assert not Committee.objects.exists()
    assert not AuditEvent.objects.exists()


def test_it_refuses_a_name_or_slug_another_committee_has(task_force_lead):
    create(task_force_lead)

    with pytest.raises(InvalidInput, match="name 'Change control board' is taken by another committee"):
        create(task_force_lead, slug="ccb2")
    with pytest.raises(InvalidInput, match="slug 'dmccb' is taken by another committee"):
        create(task_force_lead, name="Another board")
    assert Committee.objects.count() == 1


# The page ----------------------------------------------------------------------------------------------------


def test_the_lead_creates_a_committee_on_the_new_committee_page(client_for, task_force_lead):
    client = client_for(task_force_lead)
    url = reverse("committee:committee-create")

    form = client.get(url)
    response = client.post(
        url,
        {
            "name": "Data production leadership team",
            "slug": "dplt",
            "kind": "leadership",
            "quorum": "every-seat",
            "areas": "Lead\r\n\r\nDeputy\r\n",
            "chair": "",
        },
        follow=True,
    )

    assert 'data-testid="committee-create-form"' in form.content.decode()
    team = Committee.objects.get(slug="dplt")
    assert list(team.seats.values_list("area", flat=True)) == ["Deputy", "Lead"]
    assert not team.seats.filter(chair=True).exists()
    assert "Data production leadership team created with 2 vacant seats" in response.content.decode()


def test_the_page_shows_a_refusal_above_the_form_still_filled_in(client_for, task_force_lead):
    create(task_force_lead)

    response = client_for(task_force_lead).post(
        reverse("committee:committee-create"),
        {"name": "Second board", "slug": "dmccb", "kind": "change-control", "quorum": "every-seat", "areas": "Data"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "slug &#x27;dmccb&#x27; is taken by another committee" in page
    assert 'value="Second board"' in page


def test_a_member_gets_403_from_the_new_committee_page(client_for, committee_member):
    client = client_for(committee_member)

    assert client.get(reverse("committee:committee-create")).status_code == 403
    assert client.post(reverse("committee:committee-create"), {"name": "x"}).status_code == 403


# The API -----------------------------------------------------------------------------------------------------


def test_the_api_creates_a_committee(client_for, task_force_lead):
    response = client_for(task_force_lead).post(
        API,
        {"name": "Change control board", "slug": "dmccb", "kind": "change-control", "areas": ["Chair", "Member"]},
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["slug"], body["quorum"]) == ("dmccb", "every-seat")
    assert [(seat["area"], seat["holder"], seat["chair"]) for seat in body["seats"]] == [
        ("Chair", None, False),
        ("Member", None, False),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "senate"}, "kind"),
        ({"slug": "dm/ccb"}, "slug"),
        ({"areas": []}, "areas"),
        ({"quorum": 3}, "quorum"),
    ],
)
def test_the_api_answers_400_naming_the_field(client_for, task_force_lead, body, field):
    valid = {"name": "Change control board", "slug": "dmccb", "kind": "change-control", "areas": ["Chair"]}

    response = client_for(task_force_lead).post(API, {**valid, **body}, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Committee.objects.exists()


def test_the_api_refuses_a_member_with_403(client_for, committee_member):
    response = client_for(committee_member).post(
        API, {"name": "Board", "slug": "board", "kind": "policy", "areas": ["A"]}, content_type="application/json"
    )

    assert response.status_code == 403
    assert not Committee.objects.exists()
