"""Who may call the committee pages' actions and API endpoints (``console.permissions``), and the services too.

Most of these depend on seats rather than roles: the services decide on the committee, the seat or the
decision; these rules refuse at once the users who could not do it anywhere.
"""

from django.utils import timezone

from committee import selectors
from committee.choices import VOTING_COMMITTEE_KINDS, CommitteeKind
from console.permissions import Rule
from console.roles import Role

LEAD = (Role.TASK_FORCE_LEAD,)

CREATE_COMMITTEES = Rule("create committees", roles=LEAD)
ASSIGN_SEATS = Rule("assign committee seats", roles=LEAD)
CHANGE_SEATS = Rule("add and remove committee seats", roles=LEAD)
MOVE_CHAIR = Rule("move a committee's chair", roles=LEAD)
CHANGE_QUORUM = Rule("change a committee's quorum rule", roles=LEAD)
PROPOSE = Rule(
    "propose decisions",
    roles=LEAD,
    also=lambda user: selectors.holds_seat(user, kinds=VOTING_COMMITTEE_KINDS),
    who="a member of a committee or the task force lead",
)
OPEN = Rule(
    "open a decision",
    roles=LEAD,
    also=selectors.has_proposed_decisions,
    who="the proposer or the task force lead",
)
# A staff user votes only for a seat they hold, like anyone else.
VOTE = Rule(
    "vote",
    also=lambda user: selectors.holds_seat(user, kinds=VOTING_COMMITTEE_KINDS)
    or selectors.stands_in_for_a_seat(user, today=timezone.localdate()),
    who="a seat holder or their delegate",
    staff=False,
)
ENDORSE = Rule(
    "endorse decisions",
    also=lambda user: selectors.holds_seat(user, kinds=(CommitteeKind.LEADERSHIP,)),
    who="a member of the leadership team",
)
# Decisions taken before the console, with their real dates and outcome (``services.history``).
RECORD_HISTORY = Rule("record decisions taken before the console", roles=LEAD)
NAME_DELEGATE = Rule(
    "name a seat's delegate",
    roles=LEAD,
    also=selectors.holds_seat,
    who="a seat holder or the task force lead",
)
# Whoever may name a seat's delegate may end the delegation early (``delegation_end`` checks the seat).
END_DELEGATION = Rule(
    "end a seat's delegation",
    roles=LEAD,
    also=selectors.holds_seat,
    who="a seat holder or the task force lead",
)
