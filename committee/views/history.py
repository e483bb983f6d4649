"""The page on which the task force lead (or staff) records a decision taken before the console, with its real
dates and outcome (``services.decision_record_past``)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from committee import services
from committee.forms import DecisionRecordPastForm
from committee.permissions import RECORD_HISTORY
from console.errors import DomainError, NotPermitted
from console.permissions import requires


@requires(RECORD_HISTORY)
def decision_record_past(request: HttpRequest) -> HttpResponse:
    form = DecisionRecordPastForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_record_past(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            if isinstance(error, NotPermitted):
                raise
            # Shown above the form, still filled in, rather than lost in DomainErrorMiddleware's redirect.
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"Decision #{decision.pk} recorded after the fact: {decision.status_label.lower()}."
            )
            return redirect(decision)
    return render(request, "committee/decision_record_past.html", {"form": form})
