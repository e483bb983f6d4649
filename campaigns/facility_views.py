"""The facilities page: each data facility with its submit hosts (their workers' state, their submissions in
progress) and its compute sites (what a campaign runs on there). Read-only: the staff keep them in the admin."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaigns import selectors
from campaigns.models import submit_host_away_after


@require_GET
def facility_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "campaigns/facility_list.html",
        {"facilities": selectors.facilities_listed(), "away_after": int(submit_host_away_after())},
    )
