"""Who may use each mutating endpoint and page action: the one table of expected outcomes.

Every URL pattern of the console whose view accepts POST, PUT, PATCH or DELETE
has an entry in ``TABLE``, keyed by its Django URL name as ``resolve(path).view_name``
gives it (``"campaigns:campaign-submit"``, ``"api:submission-cancel"``; a DRF
``create`` is the POST of the list URL, ``"api:release-list"``). Every URL of
Django's admin falls under ``NAMESPACES["admin"]`` unless ``TABLE`` names it.
``tests/authorization/test_authorization_matrix.py`` walks the resolver and fails on
any mutating URL without an entry, then runs every entry x role x ownership.

An entry is a ``Rule``:

- ``anyone``: the roles that may use it on any object (their own or not).
- ``owners``: the roles that may use it only on their own object.
- ``ownership``: what "own object" means for it (the voter's own seat, the
  proposer of a decision, the person whose roles change is the user...);
  empty when ownership means nothing there ("n/a" in the matrix).
- ``own_roles``: the roles whose users can own such an object at all in the
  matrix world; the matrix runs "own" cells for these roles only.

Roles are the values of ``console.roles.Role`` plus ``"anonymous"`` (not signed
in) and ``"staff"`` (``is_staff`` and no group). The matrix world is the demo's:
the committee member holds a seat of the policy committee, the change control
board member a seat of the board, the task force lead the leadership team's
seat (which endorses the policy committee's decisions); the operator and the
viewer hold no seat.

Expected outcomes: allowed means the service ran (2xx, or 3xx for a page, and
its audit row written); refused means 403 for a signed-in user, 401 from the
API and a redirect to the login page for pages when anonymous, and nothing in
the database changed.

``role_may(url_name, role)`` answers whether a user with that role may use the
action at all (on some object: their own where ownership counts); the browser
walk asserts that no page shows a POST control its user may not use.
"""

from dataclasses import dataclass

from console.roles import Role

ANONYMOUS = "anonymous"
STAFF = "staff"
LEAD = Role.TASK_FORCE_LEAD.value
MEMBER = Role.COMMITTEE_MEMBER.value
CCB = Role.CCB_MEMBER.value
OPERATOR = Role.OPERATOR.value
VIEWER = Role.VIEWER.value

# In the order the matrix reports them.
ROLES = (ANONYMOUS, VIEWER, OPERATOR, MEMBER, CCB, LEAD, STAFF)
SIGNED_IN = frozenset(ROLES) - {ANONYMOUS}
EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class Rule:
    """Who may use one mutating endpoint; see the module docstring."""

    anyone: frozenset[str]
    owners: frozenset[str] = frozenset()
    ownership: str = ""
    own_roles: frozenset[str] = frozenset()

    def __post_init__(self):
        unknown = (self.anyone | self.owners | self.own_roles) - EVERYONE
        if unknown:
            raise ValueError(f"Unknown roles in the authorization table: {sorted(unknown)}")
        if self.ownership and not self.own_roles:
            raise ValueError(f"{self.ownership!r}: name the roles that can own such an object")
        if not self.owners <= self.own_roles:
            raise ValueError(f"{self.ownership!r}: an owner role that can own nothing: {self.owners - self.own_roles}")

    def allows(self, role: str, ownership: str = "n/a") -> bool:
        """The expected outcome of one cell: ``ownership`` is "own", "other" or "n/a"."""
        if role in self.anyone:
            return True
        return ownership == "own" and role in self.owners

    def cells(self) -> list[tuple[str, str]]:
        """The (role, ownership) cells of the matrix for this entry."""
        if not self.ownership:
            return [(role, "n/a") for role in ROLES]
        return [(role, "other") for role in ROLES] + [(role, "own") for role in ROLES if role in self.own_roles]


def _roles(*roles: str) -> frozenset[str]:
    return frozenset(roles)


LEAD_ONLY = Rule(anyone=_roles(LEAD, STAFF))
CAMPAIGN_EDITORS = _roles(LEAD, OPERATOR, STAFF)
BACKPORT_REQUESTERS = _roles(LEAD, MEMBER, CCB, OPERATOR, STAFF)
BACKPORT_RECORDERS = _roles(LEAD, CCB, STAFF)
SEAT_HOLDERS = _roles(MEMBER, CCB)
# The roles in the leadership team (its seat) or staff: endorsements.
ENDORSERS = _roles(LEAD, STAFF)

ROLE_CHANGE = Rule(
    anyone=_roles(LEAD, STAFF), ownership="the person whose roles change is the user", own_roles=SIGNED_IN
)
CAMPAIGN_ACTION = Rule(
    anyone=CAMPAIGN_EDITORS,
    ownership="the campaign's owner (for a submission: its requester) is the user; grants nothing more",
    own_roles=CAMPAIGN_EDITORS,
)
BACKPORT_RECORD = Rule(
    anyone=BACKPORT_RECORDERS,
    ownership="the user requested the backport; grants nothing more",
    own_roles=BACKPORT_REQUESTERS,
)
DECISION_OPEN = Rule(
    anyone=_roles(LEAD, STAFF),
    owners=SEAT_HOLDERS,
    ownership="the user proposed the decision",
    own_roles=_roles(LEAD, STAFF) | SEAT_HOLDERS,
)
VOTE = Rule(
    anyone=frozenset(),
    owners=SEAT_HOLDERS,
    ownership="the vote is for the user's own seat (other: naming another holder's seat)",
    own_roles=SEAT_HOLDERS,
)
DELEGATION = Rule(
    anyone=_roles(LEAD, STAFF),
    owners=SEAT_HOLDERS,
    ownership="the seat is the user's own",
    own_roles=SEAT_HOLDERS,
)
DECISION_CREATE = Rule(
    anyone=_roles(LEAD, STAFF),
    owners=SEAT_HOLDERS,
    ownership="the user sits on the committee the decision is for",
    own_roles=SEAT_HOLDERS,
)
PUBLIC = Rule(anyone=EVERYONE)

TABLE: dict[str, Rule] = {
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
    # Releases.
    "releases:release-create": LEAD_ONLY,
    "releases:release-mark-supported": LEAD_ONLY,
    "releases:release-end-support": LEAD_ONLY,
    "releases:release-withdraw": LEAD_ONLY,
    "releases:release-support-window": LEAD_ONLY,
    "api:release-list": LEAD_ONLY,
    "api:release-supported": LEAD_ONLY,
    "api:release-end-support": LEAD_ONLY,
    "api:release-withdraw": LEAD_ONLY,
    "api:release-support-window": LEAD_ONLY,
    # Backport requests.
    "releases:backport-create": Rule(anyone=BACKPORT_REQUESTERS),
    "api:backport-request-list": Rule(anyone=BACKPORT_REQUESTERS),
    "releases:backport-merge": BACKPORT_RECORD,
    "releases:backport-ship": BACKPORT_RECORD,
    "api:backport-request-merge": BACKPORT_RECORD,
    "api:backport-request-ship": BACKPORT_RECORD,
    # Committees and decisions.
    "committee:decision-create": DECISION_CREATE,
    "api:decision-list": DECISION_CREATE,
    "committee:decision-open": DECISION_OPEN,
    "api:decision-open": DECISION_OPEN,
    "committee:decision-vote": VOTE,
    "api:decision-vote": VOTE,
    "committee:decision-endorse": Rule(anyone=ENDORSERS),
    "committee:decision-refuse-endorsement": Rule(anyone=ENDORSERS),
    "api:decision-endorse": Rule(anyone=ENDORSERS),
    "api:decision-refuse-endorsement": Rule(anyone=ENDORSERS),
    "committee:delegation-create": DELEGATION,
    "api:committee-delegations": DELEGATION,
    # Campaigns and submissions.
    "campaigns:campaign-create": Rule(anyone=CAMPAIGN_EDITORS),
    "api:campaign-list": Rule(anyone=CAMPAIGN_EDITORS),
    "campaigns:campaign-submit": CAMPAIGN_ACTION,
    "campaigns:campaign-pause": CAMPAIGN_ACTION,
    "campaigns:campaign-resume": CAMPAIGN_ACTION,
    "campaigns:campaign-clone": CAMPAIGN_ACTION,
    "campaigns:submission-restart": CAMPAIGN_ACTION,
    "campaigns:submission-cancel": CAMPAIGN_ACTION,
    "api:campaign-submit": CAMPAIGN_ACTION,
    "api:campaign-pause": CAMPAIGN_ACTION,
    "api:campaign-resume": CAMPAIGN_ACTION,
    "api:campaign-clone": CAMPAIGN_ACTION,
    "api:submission-restart": CAMPAIGN_ACTION,
    "api:submission-cancel": CAMPAIGN_ACTION,
    # QA.
    "qa:specification-create": Rule(anyone=_roles(LEAD, MEMBER, STAFF)),
    "api:specification-list": Rule(anyone=_roles(LEAD, MEMBER, STAFF)),
    "qa:step-accept": LEAD_ONLY,
    "qa:waiver-grant": LEAD_ONLY,
    "api:step-accept": LEAD_ONLY,
    "api:step-waivers": LEAD_ONLY,
    "api:submission-measurements": Rule(
        anyone=_roles(LEAD, OPERATOR, STAFF),
        ownership="the user requested the submission; grants nothing more",
        own_roles=CAMPAIGN_EDITORS,
    ),
    # Milestones.
    "milestones:milestone-import": LEAD_ONLY,
    "milestones:sync-now": LEAD_ONLY,
    "milestones:proposal-confirm": LEAD_ONLY,
    "milestones:proposal-dismiss": LEAD_ONLY,
    "milestones:milestone-edit": LEAD_ONLY,
    "milestones:milestone-link": LEAD_ONLY,
    "milestones:milestone-unlink": LEAD_ONLY,
    "milestones:evidence-create": LEAD_ONLY,
    "milestones:evidence-delete": LEAD_ONLY,
    "api:milestone-proposal-confirm": LEAD_ONLY,
    "api:milestone-proposal-dismiss": LEAD_ONLY,
}

# Whole URL namespaces with one rule, for the names ``TABLE`` does not list.
NAMESPACES: dict[str, Rule] = {
    # Django's admin: staff only (``AdminSite.admin_view`` sends anyone else to its login page, which signs in
    # staff only). Unnamed patterns of a namespace are named after it alone ("admin:").
    "admin": Rule(anyone=_roles(STAFF)),
}


def rule_for(url_name: str) -> Rule:
    """The entry of a URL name; ``LookupError`` naming it when the table has none."""
    if url_name in TABLE:
        return TABLE[url_name]
    namespace, _, _ = url_name.rpartition(":")
    if namespace in NAMESPACES:
        return NAMESPACES[namespace]
    raise LookupError(f"{url_name!r} has no entry in the authorization table (tests/authorization/table.py)")


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
