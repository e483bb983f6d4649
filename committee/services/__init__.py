"""Writes of committees: seats, delegations, decisions, votes, endorsements and notifications.

A decision's life: ``decision_create`` (draft) -> ``decision_open`` -> votes
(``vote_cast``) -> closed by the vote that meets the committee's rule or by the
periodic ``decisions_close_expired`` -> for the policy committee,
``decision_endorse`` or ``decision_refuse_endorsement`` by the leadership team.
Every transition locks the decision row, checks ``DECISION_TRANSITIONS``,
writes its audit row, and applies its effects in the same transaction.

One module per concern:

- ``committees``: committees (created, their quorum rule and chair changed), their seats (added, removed,
  assigned, vacated) and the seats' delegates (named, ended early);
- ``decisions``: drafting, opening and closing decisions (by the last vote or the deadline);
- ``votes``: casting a vote for a seat;
- ``endorsement``: the leadership team's endorsement of the policy committee's decisions;
- ``history``: decisions taken before the console, recorded after the fact with their real dates;
- ``effects``: what a decision does to releases and backport requests when it takes effect (closed, or endorsed);
- ``notifications``: the e-mails about decisions and the vote reminders.
"""

from committee.services.committees import (
    committee_change_quorum,
    committee_create,
    committee_move_chair,
    delegation_create,
    delegation_end,
    seat_add,
    seat_assign,
    seat_remove,
)
from committee.services.decisions import decision_create, decision_open, decisions_close_expired
from committee.services.endorsement import decision_endorse, decision_refuse_endorsement
from committee.services.history import decision_record_past
from committee.services.notifications import decision_notify, vote_reminders_send
from committee.services.votes import vote_cast

__all__ = [
    "committee_change_quorum",
    "committee_create",
    "committee_move_chair",
    "decision_create",
    "decision_endorse",
    "decision_notify",
    "decision_open",
    "decision_record_past",
    "decision_refuse_endorsement",
    "decisions_close_expired",
    "delegation_create",
    "delegation_end",
    "seat_add",
    "seat_assign",
    "seat_remove",
    "vote_cast",
    "vote_reminders_send",
]
