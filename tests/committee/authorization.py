"""Who may call the committees' endpoints: decisions, votes, endorsements, delegations and the committees' own
management (seats, holders, chair, quorum), pages and API (assembled into the authorization table by
``tests/authorization/table.py``)."""

from tests.authorization.rules import CCB, LEAD, LEAD_ONLY, MEMBER, STAFF, Rule, roles

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
    # Whoever names a seat's delegate ends the delegation early.
    "committee:delegation-end": DELEGATION,
    "api:committee-end-delegation": DELEGATION,
    # The committees themselves: the task force lead and staff.
    "committee:committee-create": LEAD_ONLY,
    "api:committee-list": LEAD_ONLY,
    "committee:seat-add": LEAD_ONLY,
    "api:committee-seats": LEAD_ONLY,
    "committee:seat-remove": LEAD_ONLY,
    "api:committee-remove-seat": LEAD_ONLY,
    "committee:seat-assign": LEAD_ONLY,
    "committee:seat-vacate": LEAD_ONLY,
    "api:committee-holder": LEAD_ONLY,
    "committee:seat-chair": LEAD_ONLY,
    "api:committee-chair": LEAD_ONLY,
    "committee:committee-quorum": LEAD_ONLY,
    "api:committee-quorum": LEAD_ONLY,
    # Decisions taken before the console, recorded after the fact.
    "committee:decision-record-past": LEAD_ONLY,
    "api:decision-record-past": LEAD_ONLY,
}
