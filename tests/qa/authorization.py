"""Who may call the QA endpoints: specifications, step acceptance, waivers and measurement uploads, pages and
API (assembled into the authorization table by ``tests/authorization/table.py``)."""

from tests.authorization.rules import CAMPAIGN_EDITORS, LEAD, LEAD_ONLY, MEMBER, OPERATOR, STAFF, Rule, roles

ENDPOINTS: dict[str, Rule] = {
    "qa:specification-create": Rule(anyone=roles(LEAD, MEMBER, STAFF)),
    "api:specification-list": Rule(anyone=roles(LEAD, MEMBER, STAFF)),
    "qa:step-accept": LEAD_ONLY,
    "qa:waiver-grant": LEAD_ONLY,
    "api:step-accept": LEAD_ONLY,
    "api:step-waivers": LEAD_ONLY,
    "api:submission-measurements": Rule(
        anyone=roles(LEAD, OPERATOR, STAFF),
        ownership="the user requested the submission; grants nothing more",
        own_roles=CAMPAIGN_EDITORS,
    ),
}
