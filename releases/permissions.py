"""Who may call the release and backport pages' actions and API endpoints (``console.permissions``)."""

from console.permissions import Rule
from console.roles import Role
from releases.services import BACKPORT_RECORDERS, BACKPORT_REQUESTERS

LEAD = (Role.TASK_FORCE_LEAD,)
RECORD_RELEASES = Rule("record releases", roles=LEAD)
MARK_SUPPORTED = Rule("put releases into support", roles=LEAD)
END_SUPPORT = Rule("end the support of releases", roles=LEAD)
WITHDRAW = Rule("withdraw releases", roles=LEAD)
CHANGE_SUPPORT_WINDOW = Rule("change support windows", roles=LEAD)
REQUEST_BACKPORTS = Rule("request backports", roles=BACKPORT_REQUESTERS)
RECORD_MERGES = Rule("record backport merges", roles=BACKPORT_RECORDERS)
RECORD_SHIPMENTS = Rule("record backport shipments", roles=BACKPORT_RECORDERS)
