"""Adding a specification, from the form of the metrics page."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from console.forms import form_errors_message
from console.permissions import requires
from qa import services
from qa.forms import SpecificationForm
from qa.permissions import SET_SPECIFICATIONS


@require_POST
@requires(SET_SPECIFICATIONS)
def specification_create(request: HttpRequest) -> HttpResponse:
    form = SpecificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect("qa:metric-list")
    # A refusal of the service (a tag without its value) becomes a message on the page that sent the form, the
    # metrics page (console.middleware.DomainErrorMiddleware).
    spec = services.specification_create(actor=request.user, **form.cleaned_data)
    messages.success(request, f"Specification added: {spec}.")
    return redirect(f"{reverse('qa:metric-list')}#metric-{spec.metric_id}")
