"""Who may call the release and backport pages' actions, API endpoints and services (``console.permissions``)."""

from console.permissions import Rule
from console.roles import Role

LEAD = (Role.TASK_FORCE_LEAD,)
# Who records merges and shipments of backports.
BACKPORT_RECORDERS = (Role.TASK_FORCE_LEAD, Role.CCB_MEMBER)
# Who may ask for a backport: anyone with a working role.
BACKPORT_REQUESTERS = (Role.TASK_FORCE_LEAD, Role.COMMITTEE_MEMBER, Role.CCB_MEMBER, Role.OPERATOR)

RECORD_RELEASES = Rule("record releases", roles=LEAD)
MARK_SUPPORTED = Rule("put releases into support", roles=LEAD)
END_SUPPORT = Rule("end the support of releases", roles=LEAD)
WITHDRAW = Rule("withdraw releases", roles=LEAD)
CHANGE_SUPPORT_WINDOW = Rule("change support windows", roles=LEAD)
# A release's approval and support end from before the console, with their real dates (``release_record_history``).
RECORD_HISTORY = Rule("record the history of releases", roles=LEAD)
REQUEST_BACKPORTS = Rule("request backports", roles=BACKPORT_REQUESTERS)
RECORD_MERGES = Rule("record backport merges", roles=BACKPORT_RECORDERS)
RECORD_SHIPMENTS = Rule("record backport shipments", roles=BACKPORT_RECORDERS)
