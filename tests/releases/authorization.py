"""Who may call the releases' endpoints: releases and backport requests, pages and API (assembled into the
authorization table by ``tests/authorization/table.py``)."""

from tests.authorization.rules import CCB, LEAD, LEAD_ONLY, MEMBER, OPERATOR, STAFF, Rule, roles

BACKPORT_REQUESTERS = roles(LEAD, MEMBER, CCB, OPERATOR, STAFF)
BACKPORT_RECORDERS = roles(LEAD, CCB, STAFF)
BACKPORT_RECORD = Rule(
    anyone=BACKPORT_RECORDERS,
    ownership="the user requested the backport; grants nothing more",
    own_roles=BACKPORT_REQUESTERS,
)

ENDPOINTS: dict[str, Rule] = {
    # Releases.
    "releases:release-create": LEAD_ONLY,
    "releases:release-mark-supported": LEAD_ONLY,
    "releases:release-end-support": LEAD_ONLY,
    "releases:release-withdraw": LEAD_ONLY,
    "releases:release-support-window": LEAD_ONLY,
    "api:release-list": LEAD_ONLY,
    "api:release-supported": LEAD_ONLY,
    "api:release-end-support": LEAD_ONLY,
    "api:release-withdraw": LEAD_ONLY,
    "api:release-support-window": LEAD_ONLY,
    "releases:release-record-history": LEAD_ONLY,
    "api:release-record-history": LEAD_ONLY,
    # Backport requests.
    "releases:backport-create": Rule(anyone=BACKPORT_REQUESTERS),
    "api:backport-request-list": Rule(anyone=BACKPORT_REQUESTERS),
    "releases:backport-merge": BACKPORT_RECORD,
    "releases:backport-ship": BACKPORT_RECORD,
    "api:backport-request-merge": BACKPORT_RECORD,
    "api:backport-request-ship": BACKPORT_RECORD,
}
