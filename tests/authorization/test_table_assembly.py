"""The authorization table is assembled from each app's declaration, and refuses a muddled one."""

from types import SimpleNamespace

import pytest

from tests.authorization.rules import LEAD_ONLY, PUBLIC
from tests.authorization.table import DECLARATIONS, NAMESPACES, TABLE, assemble


def test_the_table_is_every_apps_endpoints_and_nothing_else():
    declared = [name for declaration in DECLARATIONS.values() for name in declaration.ENDPOINTS]

    assert list(TABLE) == declared
    assert set(NAMESPACES) == {"admin"}


def test_each_app_declares_only_its_own_pages_and_the_api():
    for app, declaration in DECLARATIONS.items():
        namespaces = {name.rpartition(":")[0] for name in declaration.ENDPOINTS}
        assert namespaces <= {app, "api", ""}, app


def test_it_refuses_a_url_name_declared_by_two_apps():
    declarations = {
        "releases": SimpleNamespace(ENDPOINTS={"api:release-list": LEAD_ONLY}),
        "qa": SimpleNamespace(ENDPOINTS={"api:release-list": PUBLIC}),
    }

    with pytest.raises(ValueError, match=r"'api:release-list' is declared twice: in tests/releases/authorization.py"):
        assemble(declarations)


def test_it_refuses_a_page_of_another_app():
    declarations = {"qa": SimpleNamespace(ENDPOINTS={"campaigns:campaign-submit": LEAD_ONLY})}

    with pytest.raises(ValueError, match=r"tests/qa/authorization.py declares 'campaigns:campaign-submit'"):
        assemble(declarations)


def test_it_refuses_a_namespace_declared_twice():
    declarations = {
        "console": SimpleNamespace(ENDPOINTS={}, NAMESPACES={"admin": LEAD_ONLY}),
        "qa": SimpleNamespace(ENDPOINTS={}, NAMESPACES={"admin": PUBLIC}),
    }

    with pytest.raises(ValueError, match=r"'admin' is declared twice"):
        assemble(declarations)
