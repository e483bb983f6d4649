"""How long the free text of each use may be, for the forms, the API serializers and the services alike.

The database leaves these texts unbounded (text columns); the services bound them, so that a page, a script
through the API and an import meet the same limit and the same message. The forms give the limit to the browser
(``maxlength``: it stops typing there, and ``static/console/widgets.js`` counts the characters under the field).

The limits fit the use: a proposal runs to a few pages; a comment, a reason or a note says why in a paragraph.
"""

from console.errors import InvalidInput

PROPOSAL = 20_000  # a decision's proposal
RATIONALE = 10_000  # why a fix should be backported
DESCRIPTION = 5_000  # a campaign's description
NOTES = 5_000  # a release's notes
NOTE = 5_000  # the leadership team's note on an endorsement (or on refusing it)
COMMENT = 2_000  # a committee member's comment on a vote
REASON = 2_000  # why a waiver lets a step be accepted

# By the name the templates use (``{% text_limit "comment" %}``).
LIMITS = {
    "proposal": PROPOSAL,
    "rationale": RATIONALE,
    "description": DESCRIPTION,
    "notes": NOTES,
    "note": NOTE,
    "comment": COMMENT,
    "reason": REASON,
}


def text_check(value: str, *, limit: int, what: str) -> None:
    """Raise ``InvalidInput`` naming the text, its length and the limit when ``value`` is longer than ``limit``."""
    if len(value) > limit:
        raise InvalidInput(f"{what} has {len(value):,} characters; at most {limit:,} fit.")
