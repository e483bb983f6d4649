"""Who may use each mutating endpoint and page action: the one table of expected outcomes, assembled from
what each app declares.

Every URL pattern of the console whose view accepts POST, PUT, PATCH or DELETE
has an entry, keyed by its Django URL name as ``resolve(path).view_name`` gives
it (``"campaigns:campaign-submit"``, ``"api:submission-cancel"``; a DRF
``create`` is the POST of the list URL, ``"api:release-list"``). Each app lists
its own, page actions and API, in ``ENDPOINTS`` of ``tests/<app>/authorization.py``
(the rules and roles they are made of are in ``tests/authorization/rules.py``);
this module gathers them into ``TABLE``, refusing a name declared twice or a
page of another app. Every URL of Django's admin falls under
``NAMESPACES["admin"]`` (declared by the console) unless ``TABLE`` names it.
``tests/authorization/test_authorization_matrix.py`` walks the resolver and fails on
any mutating URL without an entry, then runs every entry x role x ownership.

``role_may(url_name, role)`` answers whether a user with that role may use the
action at all (on some object: their own where ownership counts); the browser
walk asserts that no page shows a POST control its user may not use.
"""

from types import ModuleType

from tests.authorization.rules import (
    ANONYMOUS,
    CCB,
    EVERYONE,
    LEAD,
    MEMBER,
    OPERATOR,
    ROLES,
    SIGNED_IN,
    STAFF,
    VIEWER,
    Rule,
)
from tests.campaigns import authorization as campaigns_authorization
from tests.committee import authorization as committee_authorization
from tests.console import authorization as console_authorization
from tests.milestones import authorization as milestones_authorization
from tests.qa import authorization as qa_authorization
from tests.releases import authorization as releases_authorization

__all__ = [
    "ANONYMOUS",
    "CCB",
    "DECLARATIONS",
    "EVERYONE",
    "LEAD",
    "MEMBER",
    "NAMESPACES",
    "OPERATOR",
    "ROLES",
    "SIGNED_IN",
    "STAFF",
    "TABLE",
    "VIEWER",
    "Rule",
    "assemble",
    "role_may",
    "rule_for",
]

# App -> its declaration (``ENDPOINTS``, and ``NAMESPACES`` when it has whole namespaces), in the order of the
# layers from the bottom up: the table lists them in this order.
DECLARATIONS: dict[str, ModuleType] = {
    "console": console_authorization,
    "releases": releases_authorization,
    "committee": committee_authorization,
    "campaigns": campaigns_authorization,
    "qa": qa_authorization,
    "milestones": milestones_authorization,
}


def assemble(declarations: dict[str, ModuleType]) -> tuple[dict[str, Rule], dict[str, Rule]]:
    """The table and the namespace rules of the apps' declarations.

    ``ValueError`` for a URL name or namespace declared by two apps, and for a page action an app declares in
    another app's namespace (an app declares its own pages, the API endpoints it serves, and un-namespaced
    views such as the sign-in).
    """
    table: dict[str, Rule] = {}
    namespaces: dict[str, Rule] = {}
    declared_by: dict[str, str] = {}
    for app, declaration in declarations.items():
        where = f"tests/{app}/authorization.py"
        for name, rule in declaration.ENDPOINTS.items():
            namespace = name.rpartition(":")[0]
            if namespace not in (app, "api", ""):
                raise ValueError(f"{where} declares {name!r}, a page of another app: declare it in its own app")
            if name in declared_by:
                raise ValueError(f"{name!r} is declared twice: in {declared_by[name]} and in {where}")
            declared_by[name] = where
            table[name] = rule
        for namespace, rule in getattr(declaration, "NAMESPACES", {}).items():
            if namespace in namespaces:
                raise ValueError(f"The namespace {namespace!r} is declared twice (again in {where})")
            namespaces[namespace] = rule
    return table, namespaces


TABLE, NAMESPACES = assemble(DECLARATIONS)


def rule_for(url_name: str) -> Rule:
    """The entry of a URL name; ``LookupError`` naming it when the table has none."""
    if url_name in TABLE:
        return TABLE[url_name]
    namespace, _, _ = url_name.rpartition(":")
    if namespace in NAMESPACES:
        return NAMESPACES[namespace]
    raise LookupError(
        f"{url_name!r} has no entry in the authorization table: declare who may call it in the ENDPOINTS of "
        "tests/<app>/authorization.py (assembled by tests/authorization/table.py)"
    )


def role_may(url_name: str, role: str) -> bool:
    """Whether a user with the role may use the mutating endpoint or page action named ``url_name`` at all.

    True when the role may use it on any object, or on its own object where
    ownership counts. Raises ``LookupError`` for a URL name the table lacks and
    ``ValueError`` for an unknown role.
    """
    if role not in EVERYONE:
        raise ValueError(f"Unknown role {role!r}; one of {', '.join(ROLES)}")
    rule = rule_for(url_name)
    return role in rule.anyone or role in rule.owners
