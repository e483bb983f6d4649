"""The demo data loaded by ``manage.py load_demo``: idempotent, a second run changes nothing."""

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from committee.choices import POLICY_COMMITTEE_AREAS, CommitteeKind
from committee.models import Committee
from committee.services import committee_create, seat_assign
from console.roles import Role, ensure_role_groups
from console.services import user_create
from milestones.services import milestone_upsert, parse_milestone_table
from releases.choices import ReleaseStatus
from releases.models import Release
from releases.services import release_create

SOURCE = "load_demo"
MILESTONE_TABLE = Path(__file__).parent / "demo_data" / "dp0_milestones.tsv"

# One demo user per role, and an administrator.
DEMO_USERS = (
    ("lead", "Task Force", "Lead", Role.TASK_FORCE_LEAD),
    ("member", "Policy", "Member", Role.COMMITTEE_MEMBER),
    ("ccb", "Board", "Member", Role.CCB_MEMBER),
    ("operator", "Pipeline", "Operator", Role.OPERATOR),
    ("viewer", "Status", "Reader", Role.VIEWER),
    ("admin", "Console", "Administrator", None),
)

DEMO_RELEASES = (
    ("v22.0.1", ReleaseStatus.SUPPORTED, "Release used for DP0.1 processing."),
    ("v23.0.0", ReleaseStatus.CANDIDATE, "Candidate for the DP0.2 reprocessing campaign."),
)

# name, slug, kind, seats, and which demo user holds which seat
COMMITTEES = (
    ("Policy committee", "policy", CommitteeKind.POLICY, POLICY_COMMITTEE_AREAS, {"Middleware": "member"}),
    ("Change control board", "dmccb", CommitteeKind.CHANGE_CONTROL, ("Chair", "Member"), {"Chair": "ccb"}),
    ("Data production leadership team", "dplt", CommitteeKind.LEADERSHIP, ("Lead",), {}),
)


@dataclass
class DemoReport:
    users: list[tuple[str, str, str]]  # username, role, password (or a note)
    changes: int


def password_file() -> Path:
    return settings.DATA_DIR / "demo-users.json"


def load_demo() -> DemoReport:
    known_passwords = json.loads(password_file().read_text()) if password_file().exists() else {}
    changes = 0
    with transaction.atomic():
        ensure_role_groups()
        users, created_passwords = _demo_users(known_passwords)
        changes += len(created_passwords)
        for row in parse_milestone_table(MILESTONE_TABLE.read_text()):
            changes += milestone_upsert(actor=None, row=row, source=SOURCE) is not None
        for version, status, notes in DEMO_RELEASES:
            if not Release.objects.filter(version=version).exists():
                release_create(actor=None, version=version, status=status, notes=notes, source=SOURCE)
                changes += 1
        for name, slug, kind, areas, holders in COMMITTEES:
            if not Committee.objects.filter(slug=slug).exists():
                committee = committee_create(actor=None, name=name, slug=slug, kind=kind, areas=areas, source=SOURCE)
                changes += 1
                for area, username in holders.items():
                    seat = committee.seats.get(area=area)
                    seat_assign(actor=None, seat=seat, holder=users[username], source=SOURCE)
    if created_passwords:
        known_passwords.update(created_passwords)
        password_file().write_text(json.dumps(known_passwords, indent=2))
        password_file().chmod(0o600)
    listed = [
        (username, role.value if role else "staff", known_passwords.get(username, "(set before; unchanged)"))
        for username, _, _, role in DEMO_USERS
    ]
    return DemoReport(users=listed, changes=changes)


def _demo_users(known_passwords: dict[str, str]) -> tuple[dict[str, User], dict[str, str]]:
    users, created = {}, {}
    for username, first_name, last_name, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            password = known_passwords.get(username) or secrets.token_urlsafe(9)
            user = user_create(
                actor=None,
                username=username,
                password=password,
                first_name=first_name,
                last_name=last_name,
                roles=[role.value] if role else [],
                is_staff=role is None,
                source=SOURCE,
            )
            created[username] = password
        users[username] = user
    return users, created
