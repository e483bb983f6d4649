"""Who may call the campaigns' endpoints: campaigns and their submissions, pages and API (assembled into the
authorization table by ``tests/authorization/table.py``)."""

from tests.authorization.rules import CAMPAIGN_EDITORS, Rule

CAMPAIGN_ACTION = Rule(
    anyone=CAMPAIGN_EDITORS,
    ownership="the campaign's owner (for a submission: its requester) is the user; grants nothing more",
    own_roles=CAMPAIGN_EDITORS,
)

ENDPOINTS: dict[str, Rule] = {
    "campaigns:campaign-create": Rule(anyone=CAMPAIGN_EDITORS),
    "api:campaign-list": Rule(anyone=CAMPAIGN_EDITORS),
    "campaigns:campaign-submit": CAMPAIGN_ACTION,
    "campaigns:campaign-pause": CAMPAIGN_ACTION,
    "campaigns:campaign-resume": CAMPAIGN_ACTION,
    "campaigns:campaign-clone": CAMPAIGN_ACTION,
    "campaigns:campaign-change-release": CAMPAIGN_ACTION,
    "campaigns:campaign-archive": CAMPAIGN_ACTION,
    "campaigns:campaign-unarchive": CAMPAIGN_ACTION,
    "campaigns:submission-restart": CAMPAIGN_ACTION,
    "campaigns:submission-cancel": CAMPAIGN_ACTION,
    "campaigns:data-products-declare": CAMPAIGN_ACTION,
    "campaigns:campaign-automate": CAMPAIGN_ACTION,
    "campaigns:step-breakpoint": CAMPAIGN_ACTION,
    "campaigns:data-products-count": CAMPAIGN_ACTION,
    "api:campaign-submit": CAMPAIGN_ACTION,
    "api:campaign-pause": CAMPAIGN_ACTION,
    "api:campaign-resume": CAMPAIGN_ACTION,
    "api:campaign-clone": CAMPAIGN_ACTION,
    "api:campaign-change-release": CAMPAIGN_ACTION,
    "api:campaign-archive": CAMPAIGN_ACTION,
    "api:campaign-unarchive": CAMPAIGN_ACTION,
    "api:submission-restart": CAMPAIGN_ACTION,
    "api:submission-cancel": CAMPAIGN_ACTION,
    "api:campaign-data-products": CAMPAIGN_ACTION,
    "api:campaign-automate": CAMPAIGN_ACTION,
    "api:campaign-breakpoint": CAMPAIGN_ACTION,
    "api:campaign-data-products-count": CAMPAIGN_ACTION,
}
