"""What a form says about what it takes (issue 16): no placeholder that looks like a value, the format of an
identifier next to its box (and in the pattern the browser checks), a limit on each long text that the browser
counts, and the widgets' scripts served by the console itself."""

import inspect
import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

import campaigns.forms
import committee.forms
import milestones.forms
import qa.forms
import releases.forms
from console import text_limits
from console.identifiers import KINDS, IdentifierValidator
from tests.committee.factories import PolicyCommitteeFactory

FORM_MODULES = (campaigns.forms, committee.forms, milestones.forms, qa.forms, releases.forms)
TEMPLATES = Path(settings.BASE_DIR) / "templates"
PLACEHOLDER = re.compile(r'placeholder="([^"]*)"')


def form_fields():
    """(form name, field name, field) of every form the apps define."""
    for module in FORM_MODULES:
        for name, form in inspect.getmembers(module, inspect.isclass):
            if issubclass(form, forms.BaseForm) and form.__module__ == module.__name__:
                for field_name, field in form.base_fields.items():
                    yield f"{name}.{field_name}", field


def looks_like_a_value(placeholder: str) -> bool:
    """A placeholder shows an example only as "e.g. ...", which nobody takes for a value already typed."""
    return not placeholder.startswith("e.g. ") or any(kind.is_valid(placeholder) for kind in KINDS.values())


def test_no_form_field_has_a_placeholder_that_looks_like_a_value():
    found = {
        name: field.widget.attrs["placeholder"]
        for name, field in form_fields()
        if "placeholder" in field.widget.attrs and looks_like_a_value(field.widget.attrs["placeholder"])
    }
    assert found == {}


def test_no_template_has_a_placeholder_that_looks_like_a_value():
    found = [
        f"{path.relative_to(TEMPLATES)}: {placeholder!r}"
        for path in TEMPLATES.rglob("*.html")
        for placeholder in PLACEHOLDER.findall(path.read_text())
        if looks_like_a_value(placeholder)
    ]
    assert found == []


def identifier_kind(field: forms.Field):
    """The identifier kind a field takes, from its validators, or None."""
    for validator in field.validators:
        if isinstance(validator, IdentifierValidator):
            return validator.kind
    return None


IDENTIFIER_FIELDS = [(name, field, identifier_kind(field)) for name, field in form_fields() if identifier_kind(field)]


def test_the_forms_have_identifier_fields():
    assert {name for name, _, _ in IDENTIFIER_FIELDS} >= {
        "ReleaseCreateForm.version",
        "BackportRequestForm.rfc_id",
        "BackportRequestForm.ticket",
        "CommitteeCreateForm.slug",
    }


@pytest.mark.parametrize(("name", "field", "kind"), IDENTIFIER_FIELDS, ids=[name for name, _, _ in IDENTIFIER_FIELDS])
def test_an_identifier_field_says_its_format_and_the_browser_checks_it(name, field, kind):
    attrs = field.widget.attrs
    # The help next to the box gives an example: a value of the kind after "e.g.".
    example = re.search(r"e\.g\. (\S+)", field.help_text)
    assert example and kind.is_valid(example.group(1).rstrip(".,;")), field.help_text
    # The browser refuses a value that does not match, saying the title; JavaScript's `v` flag (which the pattern
    # attribute uses) refuses an unescaped "-" at either end of a character class.
    assert attrs["pattern"]
    assert "[-" not in attrs["pattern"] and "-]" not in attrs["pattern"]
    assert attrs["title"].startswith(kind.hint[0].upper())
    assert kind.example in attrs["title"]


@pytest.mark.parametrize(
    ("page", "testid"),
    [("committee:decision-list", "decision-filter"), ("releases:backport-list", "backport-filter")],
)
def test_a_release_filter_says_the_format_and_has_the_pattern(page, testid, viewer, client_for):
    html = client_for(viewer).get(reverse(page)).content.decode()
    form = html[html.index(f'data-testid="{testid}"') :]
    form = form[: form.index("</form>")]
    assert 'data-testid="format-hint"' in form
    assert "(e.g. v" in form
    release_input = re.search(r'<input[^>]*name="release"[^>]*>', form).group(0)
    assert 'pattern="' in release_input and 'title="A release version, e.g. v23.0.1' in release_input
    assert "placeholder" not in release_input


LONG_TEXTS = [
    (committee.forms.DecisionCreateForm, "proposal", text_limits.PROPOSAL),
    (committee.forms.DecisionRecordPastForm, "proposal", text_limits.PROPOSAL),
    (committee.forms.VoteForm, "comment", text_limits.COMMENT),
    (committee.forms.EndorsementForm, "note", text_limits.NOTE),
    (releases.forms.BackportRequestForm, "rationale", text_limits.RATIONALE),
    (releases.forms.ReleaseCreateForm, "notes", text_limits.NOTES),
    (qa.forms.WaiverForm, "reason", text_limits.REASON),
    (campaigns.forms.CampaignCreateForm, "description", text_limits.DESCRIPTION),
]


@pytest.mark.parametrize(("form", "name", "limit"), LONG_TEXTS, ids=[f"{f.__name__}.{n}" for f, n, _ in LONG_TEXTS])
def test_a_long_text_field_has_the_limit_of_its_use_for_the_browser(form, name, limit):
    field = form.base_fields[name]
    assert field.max_length == limit
    assert field.widget_attrs(field.widget)["maxlength"] == str(limit)


def test_the_limits_fit_their_use():
    assert text_limits.PROPOSAL == 20_000
    assert text_limits.COMMENT == 2_000
    assert text_limits.COMMENT < text_limits.NOTE < text_limits.PROPOSAL


def test_the_decision_form_gives_the_browser_the_proposal_limit(task_force_lead, client_for):
    PolicyCommitteeFactory()
    html = client_for(task_force_lead).get(reverse("committee:decision-create")).content.decode()
    proposal = re.search(r'<textarea[^>]*name="proposal"[^>]*>', html).group(0)
    assert f'maxlength="{text_limits.PROPOSAL}"' in proposal


def test_a_line_break_counts_once_as_in_the_browser():
    """The browser counts a line break as one character against maxlength, but sends it as CRLF."""
    typed = "\n".join(["a"] * (text_limits.NOTE // 2))  # within the limit as the browser counts it
    sent = typed.replace("\n", "\r\n")
    assert len(typed) <= text_limits.NOTE < len(sent)

    form = committee.forms.EndorsementForm(data={"note": sent})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["note"] == typed


@pytest.mark.parametrize(
    "path",
    [
        "vendor/tom-select/js/tom-select.complete.min.js",
        "vendor/tom-select/css/tom-select.bootstrap5.min.css",
        "console/widgets.js",
    ],
)
def test_the_widgets_scripts_are_served_by_the_console(path):
    assert finders.find(path), f"no static file {path}: run `make setup` (npm ci)"


def test_every_page_loads_the_widgets(viewer, client_for):
    html = client_for(viewer).get(reverse("committee:decision-list")).content.decode()
    assert "/static/vendor/tom-select/js/tom-select.complete.min.js" in html
    assert "/static/vendor/tom-select/css/tom-select.bootstrap5.min.css" in html
    assert "/static/console/widgets.js" in html
    # Served by the console itself, never from another site.
    assert all(url.startswith("/static/") for url in re.findall(r'<(?:script|link)[^>]* (?:src|href)="([^"]*)"', html))


def test_the_decision_filter_has_multiple_selects_for_the_widget(viewer, client_for):
    html = client_for(viewer).get(reverse("committee:decision-list")).content.decode()
    for name in ("kind", "status"):
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>', html).group(0)
        assert "multiple" in select and "size=" not in select
