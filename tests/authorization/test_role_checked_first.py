"""Who may call a page action or an API endpoint is checked before anything the caller sent (issue 13).

A viewer posting a body that is not valid, about an object that does not exist, to an action the viewer
may not use gets 403: not 400 (what the form expects), 404 (whether the object exists), 409 (its state) or
a redirect with a message. The rules are ``console.permissions.Rule``s: each app declares them in
``<app>/permissions.py``, page views carry ``@requires``, API views name them in ``rules``.
"""

import pytest
from django.urls import URLPattern, get_resolver
from rest_framework.permissions import SAFE_METHODS

from console.api.base import ConsoleAPIView
from tests.authorization.table import NAMESPACES, VIEWER, role_may
from tests.authorization.test_authorization_matrix import _patterns, mutating_endpoints

pytestmark = pytest.mark.django_db

NONSENSE_JSON = '{"name": [[[1]]], "seat": "x", "choice": 7, "deadline": "soon"}'
NONSENSE_FORM = {"name": "", "seat": "x", "choice": "7", "deadline": "soon", "next": "/"}


def test_a_viewer_gets_403_whatever_they_send_to_an_action_they_may_not_use(client_for, viewer, staff_user):
    client = client_for(viewer)
    problems, tried = [], 0
    for endpoint in mutating_endpoints(staff_user):
        namespace = endpoint.name.rpartition(":")[0]
        if endpoint.path is None or namespace in NAMESPACES or role_may(endpoint.name, VIEWER):
            continue
        if namespace == "api":
            # The endpoint's own method: an API URL that only changes by PUT or PATCH answers a POST with 405.
            method = "POST" if "POST" in endpoint.methods else sorted(endpoint.methods)[0]
            response = client.generic(method, endpoint.path, NONSENSE_JSON, content_type="application/json")
        else:
            response = client.post(endpoint.path, NONSENSE_FORM)
        tried += 1
        if response.status_code != 403:
            problems.append(f"{endpoint.name} ({endpoint.path}): {response.status_code}")

    assert tried > 40
    assert not problems, "\n".join(problems)


def _api_views():
    for name, _route, pattern in _patterns(get_resolver()):
        if isinstance(pattern, URLPattern) and name and name.startswith("api:") and hasattr(pattern.callback, "cls"):
            yield name, pattern.callback


def test_every_api_view_checks_the_role_and_the_parameters_first():
    views = {name: callback.cls for name, callback in _api_views() if name != "api:api-root"}

    assert views
    assert [name for name, view in views.items() if not issubclass(view, ConsoleAPIView)] == []


def test_every_api_action_that_changes_something_names_who_may_call_it():
    unnamed = []
    for name, callback in _api_views():
        view = callback.cls
        actions = getattr(callback, "actions", None) or {
            method: method for method in view.http_method_names if hasattr(view, method)
        }
        for method, action in actions.items():
            if method.upper() not in SAFE_METHODS and action not in getattr(view, "rules", {}):
                unnamed.append(f"{name} {method.upper()} ({view.__name__}.{action})")

    assert unnamed == []
