"""A committee's slug names its page (/committee/committees/<slug>/): one that cannot be part of an address is
refused by the service and the model, naming it escaped (issue 13)."""

import pytest
from django.core.exceptions import ValidationError

from committee.models import Committee
from committee.services import committee_create
from console.errors import InvalidInput

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", ["dm/ccb", "..", "policy\u202e", "policy\n", "dm ccb"])
def test_a_committee_cannot_be_created_with_a_slug_that_cannot_be_in_a_url(slug):
    with pytest.raises(InvalidInput) as refused:
        committee_create(actor=None, name="Change control board", slug=slug, kind="change-control", areas=("Data",))

    assert str(refused.value) == f"slug {slug!r} is not a committee slug like policy"
    assert not Committee.objects.exists()


def test_the_model_refuses_a_bad_slug_so_admin_forms_do_too():
    with pytest.raises(ValidationError) as refused:
        Committee(name="Change control board", slug="dm/ccb", kind="change-control").full_clean()

    assert refused.value.message_dict["slug"] == ["'dm/ccb' is not a committee slug like policy"]
