"""Who may call the console's own endpoints: signing in and out, people's roles, API tokens, and Django's
admin (assembled into the authorization table by ``tests/authorization/table.py``)."""

from tests.authorization.rules import LEAD, PUBLIC, SIGNED_IN, STAFF, Rule, roles

ROLE_CHANGE = Rule(
    anyone=roles(LEAD, STAFF), ownership="the person whose roles change is the user", own_roles=SIGNED_IN
)

ENDPOINTS: dict[str, Rule] = {
    # Signing in and out, Django's own views.
    "login": PUBLIC,
    "logout": PUBLIC,
    # People, roles and API tokens.
    "console:person-role-grant": ROLE_CHANGE,
    "console:person-role-revoke": ROLE_CHANGE,
    "api:user-grant-role": ROLE_CHANGE,
    "api:user-revoke-role": ROLE_CHANGE,
    # The page only ever replaces the signed-in user's own token: there is no way to name another's.
    "console:account-token-regenerate": Rule(anyone=SIGNED_IN),
}

# Whole URL namespaces with one rule, for the names no app lists.
NAMESPACES: dict[str, Rule] = {
    # Django's admin: staff only (``AdminSite.admin_view`` sends anyone else to its login page, which signs in
    # staff only). Unnamed patterns of a namespace are named after it alone ("admin:").
    "admin": Rule(anyone=roles(STAFF)),
}
