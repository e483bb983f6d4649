"""Writes of campaigns (the campaigns issue adds steps, submissions and their transitions)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from campaigns.models import Campaign
from console.errors import Conflict, InvalidInput
from console.roles import Role, require_role
from console.services import audit_record

CAMPAIGN_EDITORS = (Role.TASK_FORCE_LEAD, Role.OPERATOR)


@transaction.atomic
def campaign_create(
    *, actor: AbstractBaseUser, name: str, description: str = "", release=None, source: str = "system"
) -> Campaign:
    """Define a campaign (a draft). Operators and the task force lead may."""
    require_role(actor, *CAMPAIGN_EDITORS, action="define campaigns")
    name = name.strip()
    if not name:
        raise InvalidInput("A campaign needs a name.")
    if Campaign.objects.filter(name=name).exists():
        raise Conflict(f"A campaign named {name!r} exists already.")
    campaign = Campaign.objects.create(name=name, description=description, release=release, owner=actor)
    audit_record(
        actor=actor,
        action="campaign.created",
        obj=campaign,
        after={"name": name, "release": str(release) if release else None},
        system_actor=source,
    )
    return campaign
