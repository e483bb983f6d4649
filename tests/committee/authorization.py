"""Who may call the committees' endpoints: decisions, votes, endorsements and delegations, pages and API
(assembled into the authorization table by ``tests/authorization/table.py``)."""

from tests.authorization.rules import CCB, LEAD, MEMBER, STAFF, Rule, roles

SEAT_HOLDERS = roles(MEMBER, CCB)
# The roles in the leadership team (its seat) or staff: endorsements.
ENDORSERS = roles(LEAD, STAFF)

DECISION_OPEN = Rule(
    anyone=roles(LEAD, STAFF),
    owners=SEAT_HOLDERS,
    ownership="the user proposed the decision",
    own_roles=roles(LEAD, STAFF) | SEAT_HOLDERS,
)
VOTE = Rule(
    anyone=frozenset(),
    owners=SEAT_HOLDERS,
    ownership="the vote is for the user's own seat (other: naming another holder's seat)",
    own_roles=SEAT_HOLDERS,
)
DELEGATION = Rule(
    anyone=roles(LEAD, STAFF),
    owners=SEAT_HOLDERS,
    ownership="the seat is the user's own",
    own_roles=SEAT_HOLDERS,
)
DECISION_CREATE = Rule(
    anyone=roles(LEAD, STAFF),
    owners=SEAT_HOLDERS,
    ownership="the user sits on the committee the decision is for",
    own_roles=SEAT_HOLDERS,
)

ENDPOINTS: dict[str, Rule] = {
    "committee:decision-create": DECISION_CREATE,
    "api:decision-list": DECISION_CREATE,
    "committee:decision-open": DECISION_OPEN,
    "api:decision-open": DECISION_OPEN,
    "committee:decision-vote": VOTE,
    "api:decision-vote": VOTE,
    "committee:decision-endorse": Rule(anyone=ENDORSERS),
    "committee:decision-refuse-endorsement": Rule(anyone=ENDORSERS),
    "api:decision-endorse": Rule(anyone=ENDORSERS),
    "api:decision-refuse-endorsement": Rule(anyone=ENDORSERS),
    "committee:delegation-create": DELEGATION,
    "api:committee-delegations": DELEGATION,
}
