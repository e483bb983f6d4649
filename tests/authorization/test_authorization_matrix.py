"""The authorization matrix (issue 8): every mutating endpoint and page action x every role x (own object,
someone else's object), with the outcomes of the one table ``tests/authorization/table.py`` assembles from
each app's ``tests/<app>/authorization.py``.

An allowed cell must reach the service: the request is valid, its object is in a state where the action is
possible, and the audit row the service writes (or the work it enqueues) is there afterwards. A refused cell
answers 403 (401 from the API, the login page for pages when anonymous) and leaves every table as it was.
Each cell runs in a savepoint rolled back after it, so the cells of one endpoint share one world.
"""

import itertools
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import NoReverseMatch, Resolver404

from campaigns.api.views import CampaignViewSet
from console.permissions import Rule
from tests.authorization.requests import BUILDERS, PASSWORD, database_state, run_cell, signed_in
from tests.authorization.table import (
    ANONYMOUS,
    LEAD,
    MEMBER,
    NAMESPACES,
    OPERATOR,
    ROLES,
    STAFF,
    TABLE,
    VIEWER,
    role_may,
    rule_for,
)
from tests.support.reliability import reliability_record

pytestmark = pytest.mark.django_db

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Values tried for each URL argument when a pattern is reversed to probe it: one of them fits every converter
# and regular expression of the console's URLs (ids, slugs, versions, RFC ids, Jira keys, admin app labels).
SAMPLE_ARGUMENTS = ("999999", "zz", "auth", "v99.0.0", "RFC-999999", "ZZ-999999")


# Enumerating the URL patterns that accept a mutating method ---------------------------------------------------


@dataclass(frozen=True)
class MutatingEndpoint:
    name: str
    route: str
    methods: frozenset[str]
    path: str | None  # a path to it, with made-up arguments (None for DRF's format-suffix twins, unnamed ones)


def _patterns(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from _patterns(pattern, prefix + str(pattern.pattern), inner or namespace)
        elif isinstance(pattern, URLPattern):
            # An unnamed pattern of a namespace is named after the namespace alone ("admin:").
            name = f"{namespace}:{pattern.name or ''}" if namespace else pattern.name
            yield name, prefix + str(pattern.pattern), pattern


def _sample_path(name: str, pattern: URLPattern) -> str | None:
    """A path that resolves to this pattern's view, with made-up arguments (no object needs to exist)."""
    keys = sorted(pattern.pattern.regex.groupindex)
    if "format" in keys:
        return None  # DRF's ".json" twin of a route: the same view, answered by the route itself
    for values in itertools.product(SAMPLE_ARGUMENTS, repeat=len(keys)):
        try:
            path = reverse(name, kwargs=dict(zip(keys, values, strict=True)))
        except NoReverseMatch:
            continue
        try:
            if resolve(path).func == pattern.callback:
                return path
        except Resolver404:
            continue
    raise AssertionError(f"Cannot build a path for {name!r}: add a value for it to SAMPLE_ARGUMENTS")


def _drf_methods(callback) -> frozenset[str] | None:
    """The mutating methods of a DRF view, read from its class (a viewset route's mapping, an APIView's handlers)."""
    if getattr(callback, "actions", None):
        return frozenset(method.upper() for method in callback.actions) & MUTATING
    cls = getattr(callback, "cls", None)
    if cls is None:
        return None
    return frozenset(method.upper() for method in cls.http_method_names if hasattr(cls, method)) & MUTATING


_enumerated: list[MutatingEndpoint] = []


def mutating_endpoints(staff: User) -> list[MutatingEndpoint]:
    """``enumerate_mutating_endpoints``, once per test run (the URLconf does not change while tests run)."""
    if not _enumerated:
        _enumerated.extend(enumerate_mutating_endpoints(staff))
    return _enumerated


def enumerate_mutating_endpoints(staff: User) -> list[MutatingEndpoint]:
    """Every URL pattern whose view accepts POST, PUT, PATCH or DELETE.

    DRF views say so in their class; any other view is asked, as staff, with each method: whatever does not
    answer 405 accepts it (a view without ``require_GET``/``require_POST`` accepts every method).
    """
    # One client for all the requests: a new one loads the middleware again, and whitenoise scans every file.
    client = Client()
    found = []
    for name, route, pattern in _patterns(get_resolver()):
        methods = _drf_methods(pattern.callback)
        namespace = name.rpartition(":")[0] if name and ":" in name else ""
        path = None if name is None or name.endswith(":") else _sample_path(name, pattern)
        if methods is None and namespace in NAMESPACES:
            # Django's admin answers every method on every view; its namespace has one rule.
            methods = MUTATING
        elif methods is None:
            if name is None:
                raise AssertionError(f"The URL pattern {route!r} has no name, so the table cannot name it")
            accepted = set()
            for method in sorted(MUTATING):
                if "_auth_user_id" not in client.session:  # signed in again after probing the logout
                    client.force_login(staff)
                if client.generic(method, path).status_code != 405:
                    accepted.add(method)
            methods = frozenset(accepted)
        if methods:
            if name is None:
                raise AssertionError(f"The URL pattern {route!r} accepts {sorted(methods)} but has no name")
            found.append(MutatingEndpoint(name, route, methods, path))
    return found


def test_every_mutating_endpoint_has_an_entry_in_the_table(staff_user):
    endpoints = mutating_endpoints(staff_user)

    missing = []
    for endpoint in endpoints:
        try:
            rule_for(endpoint.name)
        except LookupError:
            missing.append(f"{endpoint.name} ({endpoint.route}, {', '.join(sorted(endpoint.methods))})")
    assert not missing, (
        "Mutating URL patterns without an entry in the authorization table (declare each in the ENDPOINTS of "
        "tests/<app>/authorization.py):\n" + "\n".join(missing)
    )
    found = {endpoint.name for endpoint in endpoints}
    stale = sorted(set(TABLE) - found)
    assert not stale, f"Entries of the table that name no mutating URL pattern: {stale}"


def test_the_enumeration_finds_pages_api_actions_creates_and_plain_api_views_and_skips_read_only_pages(staff_user):
    endpoints = {endpoint.name: endpoint.methods for endpoint in mutating_endpoints(staff_user)}

    assert endpoints["campaigns:campaign-submit"] == {"POST"}  # a page action (require_POST)
    assert "POST" in endpoints["committee:decision-create"]  # a page that takes GET and POST
    assert endpoints["api:submission-cancel"] == {"POST"}  # a DRF @action(detail=True, methods=["post"])
    assert endpoints["api:release-list"] == {"POST"}  # a DRF create on the list route
    assert endpoints["api:step-accept"] == {"POST"}  # a plain APIView
    assert "admin:auth_user_add" in endpoints
    for read_only in ("dashboard:home", "campaigns:campaign-detail", "api:submission-detail", "healthz"):
        assert read_only not in endpoints


def test_role_may_reads_the_table():
    assert role_may("campaigns:campaign-submit", OPERATOR)
    assert not role_may("campaigns:campaign-submit", VIEWER)
    assert role_may("committee:decision-vote", MEMBER)  # on the member's own seat
    assert not role_may("committee:decision-vote", LEAD)  # the lead holds no voting seat
    assert role_may("admin:auth_user_add", STAFF) and not role_may("admin:auth_user_add", LEAD)
    with pytest.raises(LookupError, match="campaigns:nothing"):
        role_may("campaigns:nothing", OPERATOR)


_ran = {"endpoints": set(), "cells": 0}


@pytest.fixture(scope="module", autouse=True)
def _record_the_matrix():
    yield
    if _ran["cells"]:
        reliability_record(
            "matrix",
            "mutating endpoints x roles x ownership",
            endpoints=len(_ran["endpoints"]),
            roles=len(ROLES),
            cells=_ran["cells"],
        )


@pytest.fixture(scope="module")
def clients() -> dict[str, Client]:
    """A client per role for the whole module: each new client loads the middleware (whitenoise reads every
    static file); a client whose session went with an earlier test's database signs in again."""
    return {role: Client() for role in ROLES}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_the_matrix(name, world, clients):
    cells = rule_for(name).cells()

    problems = []
    for role, ownership in cells:
        problems.extend(run_cell(world, clients[role], name, role, ownership))
        _ran["cells"] += 1
    _ran["endpoints"].add(name)

    assert not problems, "\n".join(problems)


def test_djangos_admin_is_for_staff_only(world, staff_user, clients):
    """Every admin view refuses everyone but staff, changing nothing; staff reach it, and its sign-in takes only
    staff; one real change made as staff shows the admin works for them."""
    admin = [e for e in mutating_endpoints(staff_user) if e.name.startswith("admin:") and e.path is not None]
    problems = []
    for endpoint, role in itertools.product(admin, ROLES):
        if endpoint.name == "admin:login":
            continue
        user, client = world.users[role], clients[role]
        signed_in(client, user)  # before the savepoint, so that the session outlives it
        with transaction.atomic():
            before = database_state([])
            response = client.post(endpoint.path)
            after = database_state([])
            transaction.set_rollback(True)
        location = response["Location"] if response.status_code == 302 else ""
        # Anonymous people meet the console's own sign-in first; the admin's logout sends to its index.
        sign_in_pages = (reverse("admin:login"), reverse("login"))
        sent_to_sign_in = location.startswith(sign_in_pages) or (
            endpoint.name == "admin:logout" and location == reverse("admin:index")
        )
        if rule_for(endpoint.name).allows(role):
            # Staff reach the view: it may still refuse a change the model's admin forbids (the audit trail's),
            # or send back to the index for an object that does not exist.
            if endpoint.name == "admin:logout":
                if "_auth_user_id" in client.session:
                    problems.append(f"admin:logout x {role}: still signed in")
            elif sent_to_sign_in:
                problems.append(f"{endpoint.name} x {role}: expected the admin view, was sent to {location}")
        else:
            if not sent_to_sign_in:
                problems.append(f"{endpoint.name} x {role}: expected the admin's sign-in, got {response.status_code}")
            if before != after:
                problems.append(
                    f"{endpoint.name} x {role}: changed {sorted(k for k in before if before[k] != after[k])}"
                )
        _ran["cells"] += 1
    client = clients[ANONYMOUS]
    for role in ROLES:
        user = world.users[role] or world.others["reader"]
        client.logout()
        client.post(reverse("admin:login"), {"username": user.username, "password": PASSWORD})
        if ("_auth_user_id" in client.session) != rule_for("admin:login").allows(role):
            problems.append(f"admin:login x {role}: signed in is {'_auth_user_id' in client.session}")
        _ran["cells"] += 1
    client.logout()
    client.force_login(staff_user)
    client.post(reverse("admin:auth_group_add"), {"name": "matrix-admins"})
    _ran["endpoints"].update(endpoint.name for endpoint in admin)

    assert not problems, "\n".join(problems)
    assert Group.objects.filter(name="matrix-admins").exists()


def test_every_entry_of_the_table_has_a_request_to_make():
    assert sorted(set(TABLE) - set(BUILDERS)) == []
    assert set(NAMESPACES) == {"admin"}


def test_a_cell_fails_when_a_service_lets_a_role_through(world, monkeypatch):
    # Both gates let the viewer through: the view's rule and the service's (campaigns.permissions.PAUSE, read
    # when the service is called).
    monkeypatch.setitem(CampaignViewSet.rules, "pause", Rule("pause campaigns", roles=(LEAD, OPERATOR, VIEWER)))
    monkeypatch.setattr("campaigns.permissions.PAUSE", Rule("pause campaigns", roles=(LEAD, OPERATOR, VIEWER)))

    problems = run_cell(world, Client(), "api:campaign-pause", VIEWER, "other")

    assert len(problems) == 2
    assert problems[0].startswith("api:campaign-pause x viewer x other: expected 403, got 200")
    assert problems[1] == (
        "api:campaign-pause x viewer x other: a refused request changed the database: "
        "['console_auditevent', 'target 0']"
    )


def test_a_cell_fails_when_an_allowed_request_does_not_reach_the_service(world, monkeypatch):
    # The page's rule (taken by @requires when the view was defined) lets the operator in; the service's does not.
    monkeypatch.setattr("campaigns.permissions.PAUSE", Rule("pause campaigns", roles=(LEAD,)))

    problems = run_cell(world, Client(), "campaigns:campaign-pause", OPERATOR, "own")

    assert len(problems) == 2
    assert problems[0].startswith("campaigns:campaign-pause x operator x own: expected allowed, got 403")
    assert problems[1].endswith("the service did not run: no 'campaign.paused' audit row (written: none)")
