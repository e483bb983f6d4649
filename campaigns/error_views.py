"""Pages of failures across campaigns: the error page (failed runs by error type), the runs of one type, and the
error rules with their types, which those who may manage them (``permissions.MANAGE_ERROR_RULES``) create, change
and deactivate here.

Reads come from ``campaigns.selectors``, writes go through ``campaigns.services.error_rules``; a refused change raises
a domain error that ``DomainErrorMiddleware`` turns into a 403 page or a message, but for the forms, which are drawn
again with what was typed and the message above them.
"""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns import permissions as may
from campaigns import selectors, services
from campaigns.filters import FailureFilter
from campaigns.forms import ErrorRuleForm, ErrorTypeForm
from campaigns.models import ErrorRule, ErrorType, Submission
from console.errors import DomainError, NotPermitted
from console.forms import form_errors_message
from console.permissions import requires

# The runs page lists at most this many runs of a type, the newest first (the error page counts them all).
RUNS_SHOWN = 200
# How much of a run's first failure message the runs page shows.
EXCERPT_CHARS = 300


def _filter_errors(failure_filter: FailureFilter) -> str:
    if failure_filter.is_bound and not failure_filter.is_valid():
        return form_errors_message(failure_filter.form)
    return ""


# Failed runs by error type --------------------------------------------------------------------------------------


@require_GET
def error_list(request: HttpRequest) -> HttpResponse:
    failure_filter = FailureFilter(request.GET, queryset=selectors.failed_submissions())
    lines = selectors.failures_by_error_type(failure_filter.qs)
    # Each line links to its runs within the same filter.
    given = {name: request.GET[name] for name in FailureFilter.base_filters if request.GET.get(name)}
    runs_url = reverse("campaigns:error-runs")
    for line in lines:
        line.runs_url = f"{runs_url}?{urlencode({**given, 'type': line.key})}"
    releases, campaigns = selectors.failure_filter_options()
    return render(
        request,
        "campaigns/errors/error_list.html",
        {
            "filter": failure_filter,
            "filter_errors": _filter_errors(failure_filter),
            "lines": lines,
            "releases": releases,
            "campaigns": campaigns,
        },
    )


def _excerpt(submission: Submission) -> str:
    """The first line of the run's first failure message, else the last line of bps's error."""
    failures = submission.failures if isinstance(submission.failures, list) else []
    first = failures[0] if failures and isinstance(failures[0], dict) else {}
    message = first.get("message") if isinstance(first.get("message"), str) else ""
    lines = [line for line in (message or submission.error or "").splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[0] if message else lines[-1]
    return line if len(line) <= EXCERPT_CHARS else f"{line[: EXCERPT_CHARS - 1]}…"


@require_GET
def error_runs(request: HttpRequest) -> HttpResponse:
    """The failed runs of one error type (``?type=ID``, ``?type=none`` for the unclassified ones), newest first,
    within the error page's filter."""
    key = request.GET.get("type", "")
    runs = selectors.failed_submissions().select_related(
        "step__campaign", "release", "error_type", "error_rule", "requested_by"
    )
    if key == "none":
        error_type, runs = None, runs.filter(error_type__isnull=True)
    elif key.isascii() and key.isdigit() and len(key) < 19:
        error_type = ErrorType.objects.filter(pk=int(key)).first()
        if error_type is None:
            raise Http404(f"No error type #{key}.")
        runs = runs.filter(error_type=error_type)
    else:
        raise Http404("Name the error type: ?type=ID, or ?type=none for unclassified failures.")
    failure_filter = FailureFilter(request.GET, queryset=runs)
    shown = list(failure_filter.qs[: RUNS_SHOWN + 1])
    for run in shown:
        run.excerpt = _excerpt(run)
    return render(
        request,
        "campaigns/errors/error_runs.html",
        {
            "error_type": error_type,
            "filter": failure_filter,
            "filter_errors": _filter_errors(failure_filter),
            "runs": shown[:RUNS_SHOWN],
            "more": len(shown) > RUNS_SHOWN,
            "shown_at_most": RUNS_SHOWN,
        },
    )


# The rules and their types --------------------------------------------------------------------------------------


def _rules_page(
    request: HttpRequest, *, rule_form: ErrorRuleForm | None = None, type_form: ErrorTypeForm | None = None
) -> HttpResponse:
    may_manage = may.MANAGE_ERROR_RULES.allows(request.user)
    return render(
        request,
        "campaigns/errors/rule_list.html",
        {
            "rules": selectors.error_rules_listed(),
            "types": ErrorType.objects.annotate(rule_count=Count("rules")).order_by("name"),
            "may_manage": may_manage,
            "rule_form": (rule_form or ErrorRuleForm(auto_id="rule-%s")) if may_manage else None,
            "type_form": (type_form or ErrorTypeForm(auto_id="type-%s")) if may_manage else None,
        },
    )


@require_GET
def error_rule_list(request: HttpRequest) -> HttpResponse:
    return _rules_page(request)


def _refusal_shown(request: HttpRequest, error: DomainError) -> None:
    """A service's refusal as a message above the form drawn again (caught rather than left to
    ``DomainErrorMiddleware``, which would redirect and lose what was typed); no permission stays a 403."""
    if isinstance(error, NotPermitted):
        raise error
    messages.error(request, str(error))


@require_POST
@requires(may.MANAGE_ERROR_RULES)
def error_rule_create(request: HttpRequest) -> HttpResponse:
    form = ErrorRuleForm(request.POST, auto_id="rule-%s")
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return _rules_page(request, rule_form=form)
    try:
        rule = services.error_rule_create(actor=request.user, **form.cleaned_data)
    except DomainError as error:
        _refusal_shown(request, error)
        return _rules_page(request, rule_form=form)
    messages.success(request, f"The rule {rule.name} classifies failures as {rule.error_type} from now on.")
    return redirect(f"{_rules_url()}#rule-{rule.pk}")


@require_http_methods(["GET", "POST"])
@requires(may.MANAGE_ERROR_RULES)
def error_rule_update(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(selectors.error_rules_listed(), pk=pk)
    initial = {field: getattr(rule, field) for field in ErrorRuleForm.base_fields}
    form = ErrorRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.error_rule_update(actor=request.user, rule=rule, **form.cleaned_data)
        except DomainError as error:
            _refusal_shown(request, error)
        else:
            messages.success(request, f"The rule {rule.name} is saved.")
            return redirect(f"{_rules_url()}#rule-{rule.pk}")
    elif request.method == "POST":
        messages.error(request, form_errors_message(form))
    return render(request, "campaigns/errors/rule_edit.html", {"rule": rule, "form": form})


@require_POST
@requires(may.MANAGE_ERROR_RULES)
def error_rule_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    rule = services.error_rule_deactivate(actor=request.user, rule=get_object_or_404(ErrorRule, pk=pk))
    messages.success(
        request,
        f"The rule {rule.name} no longer classifies failures; those it classified keep their type. Edit it to make "
        "it active again.",
    )
    return redirect(f"{_rules_url()}#rule-{rule.pk}")


@require_POST
@requires(may.MANAGE_ERROR_RULES)
def error_type_create(request: HttpRequest) -> HttpResponse:
    form = ErrorTypeForm(request.POST, auto_id="type-%s")
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return _rules_page(request, type_form=form)
    try:
        error_type = services.error_type_create(actor=request.user, **form.cleaned_data)
    except DomainError as error:
        _refusal_shown(request, error)
        return _rules_page(request, type_form=form)
    messages.success(request, f"The error type {error_type.name} is defined: rules may now classify failures as it.")
    return redirect(f"{_rules_url()}#type-{error_type.pk}")


@require_http_methods(["GET", "POST"])
@requires(may.MANAGE_ERROR_RULES)
def error_type_update(request: HttpRequest, pk: int) -> HttpResponse:
    error_type = get_object_or_404(ErrorType, pk=pk)
    initial = {field: getattr(error_type, field) for field in ErrorTypeForm.base_fields}
    form = ErrorTypeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            error_type = services.error_type_update(actor=request.user, error_type=error_type, **form.cleaned_data)
        except DomainError as error:
            _refusal_shown(request, error)
        else:
            messages.success(request, f"The error type {error_type.name} is saved.")
            return redirect(f"{_rules_url()}#type-{error_type.pk}")
    elif request.method == "POST":
        messages.error(request, form_errors_message(form))
    return render(request, "campaigns/errors/type_edit.html", {"error_type": error_type, "form": form})


def _rules_url() -> str:
    return reverse("campaigns:error-rule-list")
