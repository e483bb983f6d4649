"""Who may call the QA pages' actions and API endpoints (``console.permissions``)."""

from console.permissions import Rule
from qa.services import GATE_KEEPERS, SPEC_EDITORS, UPLOADERS

SET_SPECIFICATIONS = Rule("set QA specifications", roles=SPEC_EDITORS)
ACCEPT_STEPS = Rule("accept steps", roles=GATE_KEEPERS)
RECORD_WAIVERS = Rule("record waivers", roles=GATE_KEEPERS)
UPLOAD_MEASUREMENTS = Rule("upload measurements", roles=UPLOADERS)
