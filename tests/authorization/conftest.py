"""Fixtures of the console's own tests."""

import pytest

from tests.authorization.requests import World, build_world


@pytest.fixture
def world(task_force_lead, committee_member, ccb_member, operator, viewer, staff_user, settings) -> World:
    """The demo's people, committees and seats, for the authorization matrix and the CSRF checks."""
    return build_world(
        lead=task_force_lead,
        member=committee_member,
        ccb=ccb_member,
        operator=operator,
        viewer=viewer,
        staff=staff_user,
        settings=settings,
    )
