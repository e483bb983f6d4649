"""Who may call the campaign pages' actions and API endpoints (``console.permissions``), and the services too: each
service checks the rule of its action (``RULE.check(actor)``), so the page, the API and the service refuse alike."""

from console.permissions import Rule
from console.roles import Role

CAMPAIGN_EDITORS = (Role.TASK_FORCE_LEAD, Role.OPERATOR)

DEFINE = Rule("define campaigns", roles=CAMPAIGN_EDITORS)
SUBMIT = Rule("submit campaigns", roles=CAMPAIGN_EDITORS)
PAUSE = Rule("pause campaigns", roles=CAMPAIGN_EDITORS)
RESUME = Rule("resume campaigns", roles=CAMPAIGN_EDITORS)
RESTART = Rule("restart submissions", roles=CAMPAIGN_EDITORS)
CANCEL = Rule("cancel submissions", roles=CAMPAIGN_EDITORS)
CHANGE_RELEASE = Rule("change a campaign's release", roles=CAMPAIGN_EDITORS)
# Those who run campaigns tidy them away: the lead and the operators (the owner is one of them, or no longer runs
# campaigns), as for pausing.
ARCHIVE = Rule("archive campaigns", roles=CAMPAIGN_EDITORS)
UNARCHIVE = Rule("unarchive campaigns", roles=CAMPAIGN_EDITORS)
# Splitting a step into groups, its breakpoints, its data products: part of defining the campaign.
SPLIT = Rule("split steps into groups", roles=CAMPAIGN_EDITORS)
# Turning "run automatically" on or off, releasing a breakpoint or a held group.
AUTOMATE = Rule("run campaigns automatically", roles=CAMPAIGN_EDITORS)
DECLARE_PRODUCTS = Rule("declare a campaign's data products", roles=CAMPAIGN_EDITORS)
# The error types and the rules that act on failures, for every campaign.
MANAGE_ERROR_RULES = Rule("manage error types and rules", roles=CAMPAIGN_EDITORS)
