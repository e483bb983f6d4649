"""The leadership team endorses, or refuses to endorse, an approved decision of the policy committee.

Such a decision takes effect when it is endorsed (``services.effects``): until then it is approved by the
committee, awaiting endorsement, and a refused one never takes effect.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from committee import permissions as may
from committee.choices import DecisionStatus
from committee.models import Decision
from committee.services.decisions import lock_decision, move_decision
from committee.services.effects import decision_effects_apply, release_approvals_withdraw
from console.errors import Conflict, InvalidInput
from console.services import audit_record
from console.text_limits import NOTE, text_check


@transaction.atomic
def decision_endorse(*, actor: AbstractBaseUser, decision: Decision, note: str = "") -> Decision:
    """The leadership team endorses an approved decision of the policy committee, which takes effect: a
    pipeline-version decision approves its release for its campaigns."""
    may.ENDORSE.check(actor)
    decision = _endorsement(actor=actor, decision=decision, to=DecisionStatus.ENDORSED, note=note)
    decision_effects_apply(decision, actor=actor, now=decision.endorsed_at)
    return decision


@transaction.atomic
def decision_refuse_endorsement(*, actor: AbstractBaseUser, decision: Decision, note: str) -> Decision:
    """The leadership team refuses to endorse: the decision never takes effect."""
    may.ENDORSE.check(actor)
    if not note.strip():
        raise InvalidInput("Say why the endorsement is refused.")
    decision = _endorsement(actor=actor, decision=decision, to=DecisionStatus.ENDORSEMENT_REFUSED, note=note)
    # Only a decision closed before endorsement was required for it to take effect has approvals to withdraw.
    release_approvals_withdraw(actor=actor, decision=decision)
    return decision


def _endorsement(*, actor: AbstractBaseUser, decision: Decision, to: str, note: str) -> Decision:
    text_check(note.strip(), limit=NOTE, what="The note")
    decision = lock_decision(decision)
    if not decision.needs_endorsement:
        raise Conflict(f"Only the policy committee's decisions are endorsed; this one is the {decision.committee}'s.")
    before = move_decision(decision, to)
    decision.endorsed_by = actor
    decision.endorsed_at = timezone.now()
    decision.endorsement_note = note.strip()
    decision.save(update_fields=["status", "endorsed_by", "endorsed_at", "endorsement_note"])
    audit_record(
        actor=actor,
        action=f"decision.{to}",
        obj=decision,
        before=before,
        after={"status": to, "note": decision.endorsement_note},
    )
    return decision
