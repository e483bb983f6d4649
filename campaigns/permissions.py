"""Who may call the campaign pages' actions and API endpoints (``console.permissions``)."""

from campaigns.services import CAMPAIGN_EDITORS
from console.permissions import Rule

DEFINE = Rule("define campaigns", roles=CAMPAIGN_EDITORS)
SUBMIT = Rule("submit campaigns", roles=CAMPAIGN_EDITORS)
PAUSE = Rule("pause campaigns", roles=CAMPAIGN_EDITORS)
RESUME = Rule("resume campaigns", roles=CAMPAIGN_EDITORS)
RESTART = Rule("restart submissions", roles=CAMPAIGN_EDITORS)
CANCEL = Rule("cancel submissions", roles=CAMPAIGN_EDITORS)
