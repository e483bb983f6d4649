"""Who may call the QA pages' actions and API endpoints (``console.permissions``); the services check the same rules."""

from console.permissions import Rule
from console.roles import Role

SET_SPECIFICATIONS = Rule("set QA specifications", roles=(Role.TASK_FORCE_LEAD, Role.COMMITTEE_MEMBER))
ACCEPT_STEPS = Rule("accept steps", roles=(Role.TASK_FORCE_LEAD,))
RECORD_WAIVERS = Rule("record waivers", roles=(Role.TASK_FORCE_LEAD,))
UPLOAD_MEASUREMENTS = Rule("upload measurements", roles=(Role.TASK_FORCE_LEAD, Role.OPERATOR))
