"""Who may call the campaigns' endpoints: campaigns and their submissions, pages and API (assembled into the
authorization table by ``tests/authorization/table.py``)."""

from tests.authorization.rules import CAMPAIGN_EDITORS, Rule

CAMPAIGN_ACTION = Rule(
    anyone=CAMPAIGN_EDITORS,
    ownership="the campaign's owner (for a submission: its requester) is the user; grants nothing more",
    own_roles=CAMPAIGN_EDITORS,
)

ERROR_RULES = Rule(anyone=CAMPAIGN_EDITORS)

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
    # A step split into groups, a group submitted, a held group released.
    "campaigns:step-split": CAMPAIGN_ACTION,
    "campaigns:group-submit": CAMPAIGN_ACTION,
    "campaigns:group-release": CAMPAIGN_ACTION,
    "api:step-split": CAMPAIGN_ACTION,
    "api:group-submit": CAMPAIGN_ACTION,
    "api:group-release": CAMPAIGN_ACTION,
    # The error types and rules: no one owns them; those who run campaigns manage them.
    "campaigns:error-rule-create": ERROR_RULES,
    "campaigns:error-rule-update": ERROR_RULES,
    "campaigns:error-rule-deactivate": ERROR_RULES,
    "campaigns:error-type-create": ERROR_RULES,
    "campaigns:error-type-update": ERROR_RULES,
    "api:error-rule-list": ERROR_RULES,
    "api:error-rule-detail": ERROR_RULES,
    "api:error-rule-deactivate": ERROR_RULES,
    "api:error-type-list": ERROR_RULES,
    "api:error-type-detail": ERROR_RULES,
}
