"""One pattern per kind of identifier (console/identifiers.py), for the validators and the URLs (issue 13).

Each kind refuses what cannot be part of a page address, or would address another page: slashes,
"." and "..", control, bidirectional and invisible characters, a trailing newline (which a regex ending
in ``$`` lets through) and digits of other scripts (which ``\\d`` matches). The routes use the kind's
converter, so that such a value is a 404 and ``reverse()`` refuses it; ``url_for`` answers "" instead.
"""

import ipaddress
import json

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.template import Context, Template
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, SlugConverter

from console.errors import InvalidInput
from console.identifiers import (
    COMMITTEE_SLUG,
    JIRA_KEY,
    KINDS,
    RELEASE_VERSION,
    RELEASE_VERSION_AS_WRITTEN,
    RFC_ID,
    TICKET,
    USERNAME,
    IdentifierConverter,
    shown,
    url_for,
)
from console.services import user_create
from milestones.models import Milestone

EXAMPLES = {
    "jira_key": ["PREOPS-154", "DM_OPS-1", "A-0"],
    "rfc_id": ["RFC-812", "RFC-1"],
    "ticket": ["DM-34567"],
    "release_version": ["v23.0.1", "v1.22.333"],
    "committee_slug": ["policy", "dm-ccb_2"],
    "username": ["jdoe", "j.doe@example.org", "user+1", "Émilie", "..x"],
}
# Refused by every kind: none of these can name a page.
REFUSED_BY_ALL = {
    "empty": "",
    "slash": "RFC-1/2",
    "dot": ".",
    "dot-dot": "..",
    "bidi-override": "v23.0.1\u202e",
    "zero-width-space": "PRE\u200bOPS-1",
    "trailing-newline": "RFC-812\n",
    "newline": "DM-1\nDM-2",
    "nul": "policy\x00",
    "space": "PREOPS 154",
    "percent": "RFC%2F1",
    "question-mark": "RFC-1?x",
}
REFUSED_BY_KIND = {
    "jira_key": ["preops-154", "PREOPS-\u0661\u0665", "PREOPS", "-154", "1PREOPS-1", "PREOPS-1x", "P" * 30 + "-123"],
    "rfc_id": ["RFC812", "RFC-\uff18\uff11\uff12", "rfc-812", "RFC-1234567"],
    "ticket": ["JIRA-1", "DM-\u0663"],
    "release_version": ["23.0.1", "v23.0", "v\u0662\u0663.0.1", "v23.0.1.2", "v12345.0.0"],
    "committee_slug": ["dm ccb", "pölicy", "a" * 51],
    "username": ["a,b", "...", "a b"],
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_accepts_its_examples(kind):
    for value in EXAMPLES[kind]:
        assert KINDS[kind].is_valid(value), value
        KINDS[kind].validate(value)


@pytest.mark.parametrize("value", REFUSED_BY_ALL.values(), ids=REFUSED_BY_ALL.keys())
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_refuses_what_cannot_be_part_of_a_page_address(kind, value):
    assert not KINDS[kind].is_valid(value)
    with pytest.raises(ValidationError) as refused:
        KINDS[kind].validate(value)
    assert refused.value.messages == [
        f"{value!r} is not {KINDS[kind].article} {KINDS[kind].name} like " + (KINDS[kind].example)
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_refuses_its_own_malformed_values(kind):
    for value in REFUSED_BY_KIND[kind]:
        assert not KINDS[kind].is_valid(value), value


def test_a_message_shows_the_value_escaped():
    assert RFC_ID.problem("RFC-1\u202e\x00\n") == "'RFC-1\\u202e\\x00\\n' is not an RFC id like RFC-812"
    assert JIRA_KEY.problem("X" * 40) == f"'{'X' * 40}'... is longer than a Jira key may be (32 characters)"


def test_shown_escapes_control_bidirectional_and_invisible_characters_only():
    assert shown("PREOPS-154") == "PREOPS-154"
    assert shown("ABC/12") == "ABC/12"
    assert shown("v23.0.1\u202e") == "'v23.0.1\\u202e'"
    assert shown("PRE\u200bOPS\x00\n") == "'PRE\\u200bOPS\\x00\\n'"
    assert shown(None) == ""


@pytest.mark.parametrize(
    ("viewname", "parameter", "kind"),
    [
        ("milestones:milestone-detail", "jira_key", JIRA_KEY),
        ("releases:release-detail", "version", RELEASE_VERSION),
        ("releases:backport-detail", "rfc_id", RFC_ID),
        ("committee:committee-detail", "slug", COMMITTEE_SLUG),
        ("console:person-detail", "username", USERNAME),
    ],
)
def test_a_route_refuses_to_be_built_from_a_value_its_kind_refuses(viewname, parameter, kind):
    example = {JIRA_KEY: "PREOPS-154", RELEASE_VERSION: "v23.0.1", RFC_ID: "RFC-812"}.get(kind, "policy")
    assert reverse(viewname, kwargs={parameter: example})
    for value in REFUSED_BY_ALL.values():
        with pytest.raises(NoReverseMatch):
            reverse(viewname, kwargs={parameter: value})
        assert url_for(viewname, kind, **{parameter: value}) == ""


def path_parameters(resolver: URLResolver, prefix: str = "") -> list[tuple[str, str, object]]:
    found = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        converters = getattr(entry.pattern, "converters", {})
        found += [(route, name, converter) for name, converter in converters.items()]
        if isinstance(entry, URLResolver):
            found += path_parameters(entry, route)
        else:
            assert isinstance(entry, URLPattern)
    return found


def test_every_path_parameter_of_a_page_is_a_number_or_an_identifier():
    """No <str:...> or <path:...>: a stored value that such a parameter takes could break reverse()."""
    parameters = path_parameters(get_resolver())

    assert parameters
    for route, name, converter in parameters:
        if route.startswith("admin/") or name == "format":
            continue  # Django's admin names objects by their primary key; DRF's suffix is .json or .api
        assert isinstance(converter, IntConverter | SlugConverter | IdentifierConverter), (route, name, converter)


@pytest.mark.django_db
def test_a_milestone_stored_with_a_bad_key_has_no_address():
    good, bad = Milestone.objects.bulk_create(
        [Milestone(jira_key="PREOPS-154", title="Good"), Milestone(jira_key="ABC/12", title="Stored by hand")]
    )

    assert good.get_absolute_url() == "/milestones/PREOPS-154/"
    assert bad.get_absolute_url() == ""
    assert bad.jira_url() == ""
    assert str(Milestone(jira_key="PREOPS-1\u202e", title="Late")) == "'PREOPS-1\\u202e' Late"


def test_the_link_tag_links_a_valid_identifier_and_only_shows_a_bad_one():
    template = Template(
        "{% load identifiers %}{% identifier_link url text class='fw-semibold' data_testid='x' %}|{{ text|shown }}"
    )

    linked = template.render(Context({"url": "/releases/v23.0.1/", "text": "v23.0.1"}))
    unlinked = template.render(Context({"url": "", "text": "v23.0.1\u202e<b>"}))

    assert linked == '<a class="fw-semibold" href="/releases/v23.0.1/" data-testid="x">v23.0.1</a>|v23.0.1'
    assert unlinked.startswith('<span class="fw-semibold text-danger" data-testid="x" title="not a valid identifier')
    assert ">&#x27;v23.0.1\\u202e&lt;b&gt;&#x27;</span>|&#x27;v23.0.1\\u202e&lt;b&gt;&#x27;" in unlinked


def test_the_api_looks_objects_up_by_the_same_patterns():
    from committee.api.views import CommitteeViewSet
    from console.api.views import UserViewSet
    from milestones.api.views import MilestoneViewSet
    from releases.api.views import BackportRequestViewSet, ReleaseViewSet

    assert [
        view.lookup_value_regex
        for view in (MilestoneViewSet, ReleaseViewSet, BackportRequestViewSet, CommitteeViewSet, UserViewSet)
    ] == [JIRA_KEY.regex, RELEASE_VERSION.regex, RFC_ID.regex, COMMITTEE_SLUG.regex, USERNAME.regex]


def test_the_forms_and_the_api_schema_carry_the_patterns(tmp_path):
    from releases.forms import BackportRequestForm, ReleaseCreateForm

    # A version is typed as stored or short ("v23", "w_2021_28"), and stored in the long form (issue 15).
    assert ReleaseCreateForm().fields["version"].widget.attrs["pattern"] == RELEASE_VERSION_AS_WRITTEN
    assert BackportRequestForm().fields["rfc_id"].widget.attrs["pattern"] == RFC_ID.regex
    assert BackportRequestForm().fields["ticket"].widget.attrs["pattern"] == TICKET.regex
    call_command("spectacular", "--format", "openapi-json", "--file", str(tmp_path / "schema.json"))
    schemas = json.loads((tmp_path / "schema.json").read_text())["components"]["schemas"]
    assert schemas["ReleaseCreateRequest"]["properties"]["version"]["pattern"] == f"^(?:{RELEASE_VERSION_AS_WRITTEN})$"
    assert schemas["BackportRequestCreateRequest"]["properties"]["rfc_id"]["pattern"] == f"^(?:{RFC_ID.regex})$"


# Users ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["..", ".", "a/b", "bob\u202e"])
def test_a_user_cannot_be_created_with_a_name_that_addresses_another_page(username):
    with pytest.raises(InvalidInput, match="is not a user name like jdoe"):
        user_create(actor=None, username=username, roles=[])
    assert not User.objects.exists()


@pytest.mark.django_db
def test_the_proxy_cannot_sign_in_a_user_named_dot_dot(client, settings):
    settings.AUTH_PROXY_HEADER = True
    settings.AUTH_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]

    response = client.get(reverse("dashboard:home"), REMOTE_ADDR="10.1.2.3", HTTP_X_AUTH_REQUEST_USER="..")

    assert response.status_code == 400
    assert not User.objects.exists()


# The data check ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_identifiers_lists_each_stored_bad_value_escaped_and_fails(capsys):
    from committee.models import Committee
    from releases.models import Release
    from tests.releases.factories import ReleaseFactory

    Milestone.objects.bulk_create(
        [Milestone(jira_key="PREOPS-154", title="Good"), Milestone(jira_key="PREOPS-1\u202e", title="Bad")]
    )
    release = ReleaseFactory(version="v23.0.1")
    Release.objects.filter(pk=release.pk).update(version="v23.0.1\n")
    Committee.objects.create(name="By hand", slug="a/b", kind="policy")
    User.objects.create(username="..")

    with pytest.raises(CommandError, match="4 stored identifier"):
        call_command("check_identifiers")

    lines = capsys.readouterr().out.splitlines()
    milestone = Milestone.objects.get(title="Bad")
    problem = "'PREOPS-1\\u202e' is not a Jira key like PREOPS-154"
    assert f"milestones.milestone #{milestone.pk} jira_key: {problem}" in lines
    version_problem = "'v23.0.1\\n' is not a release version like v23.0.1 or w.2021.28"
    assert f"releases.release #{release.pk} version: {version_problem}" in lines
    assert any(line.startswith("committee.committee #") and "'a/b' is not a committee slug" in line for line in lines)
    assert any(line.startswith("auth.user #") and "'..' is not a user name" in line for line in lines)


@pytest.mark.django_db
def test_check_identifiers_passes_when_every_value_is_valid(capsys):
    Milestone.objects.create(jira_key="PREOPS-154", title="Good")

    call_command("check_identifiers")

    assert "Every stored identifier is valid." in capsys.readouterr().out
