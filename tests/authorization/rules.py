"""What the authorization table is made of: the roles, the ``Rule`` of one endpoint, and the rules several
apps share. Each app declares its own entries with these in ``tests/<app>/authorization.py``;
``tests/authorization/table.py`` assembles them into the one table.

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


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


# Rules and role sets of more than one app.
PUBLIC = Rule(anyone=EVERYONE)
LEAD_ONLY = Rule(anyone=roles(LEAD, STAFF))
CAMPAIGN_EDITORS = roles(LEAD, OPERATOR, STAFF)
