"""What every view of the API does before its handler runs, in this order.

1. Authentication (DRF): no credentials or bad ones, 401.
2. Who may call it: a signed-in user (DRF's ``IsAuthenticated``), then the rule the view names for this
   action in ``rules`` (``console.permissions.Rule``), 403 when it refuses, before the body is parsed or the
   object looked up, so that the answer tells nothing about either.
3. Throttles (DRF): 429.
4. Its query and path parameters against the OpenAPI schema (``console.api.query``): 400 naming each one
   the schema does not describe or whose value it does not allow.

Every API view derives from ``ConsoleAPIView`` (``tests/authorization/test_role_checked_first.py`` walks the URLs to see
to it).
"""

from rest_framework.request import Request

from console.api.query import check_parameters
from console.permissions import Rule


class RulePermission:
    """A DRF permission for a ``Rule``: 403 with the rule's refusal (401 when not signed in, as DRF does)."""

    code = "permission_denied"

    def __init__(self, rule: Rule):
        self.rule = rule
        self.message = rule.refusal()

    def has_permission(self, request: Request, view) -> bool:
        return self.rule.allows(request.user)

    def has_object_permission(self, request: Request, view, obj) -> bool:
        return True


class ConsoleAPIView:
    """Mixed in before DRF's view classes. ``rules`` maps an action (a viewset's action name, such as ``create``
    or ``grant_role``; an ``APIView``'s method in lower case, such as ``post``) to the rule for it. An action
    that changes something must be listed; one that only reads needs a signed-in user and nothing more."""

    rules: dict[str, Rule] = {}

    def rule_for_request(self) -> Rule | None:
        return self.rules.get(getattr(self, "action", None) or self.request.method.lower())

    def get_permissions(self):
        permissions = super().get_permissions()
        rule = self.rule_for_request()
        if rule is not None:
            permissions.append(RulePermission(rule))
        return permissions

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        check_parameters(request, kwargs)
