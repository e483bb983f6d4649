"""Writes of campaigns and submissions, one module per concern; the services other apps call are named here, so
that ``from campaigns.services import submission_request`` is all a caller needs to know.

- ``lifecycle``: campaigns defined, cloned, paused, resumed, moved onto another release, archived; steps accepted; the
  status moves of a campaign and of a submission, and what a submission's end does to its campaign.
- ``requests``: a submission of a step, a restart of an attempt, a cancellation, each asked by someone.
- ``dispatch``: the outbox: the dispatch enqueued on commit, the claim and launch of a pending submission, the
  retry of a launch that failed transiently.
- ``error_rules``: the error types and the rules that classify failures (``campaigns.error_rules``).
- ``groups``: a step split into groups (a partition of its data query), a held group released.
- ``records``: a run made outside the console, recorded as succeeded; the count of a run's measurements that
  QA keeps.
- ``polling``: the poll of running submissions, the record of a run's end, the sweep of forgotten ones.

A submission's life: ``submission_request`` commits a ``pending`` row and enqueues its dispatch on commit (the
outbox); ``submission_dispatch`` claims it with a conditional update (``pending -> submitting``), launches or
adopts the BPS process, and records it ``running``; ``submissions_poll`` follows running ones and
``submission_finish`` records the end; ``submissions_sweep`` re-enqueues rows left ``pending`` and frees ones stuck
in ``submitting``. A launch that fails transiently (``failure_is_transient``), or a dispatch that fails in a way
nobody foresaw, goes back to ``pending`` until its backoff has passed (``retry_at``), at most
``SUBMISSION_MAX_TRIES`` launches in all. Restarts are new attempts linked to the one they restart. Every
transition writes its audit row. Rows are locked in the one order of campaigns/models.py (campaign -> step ->
submission), through ``lock_rows``. Each service that someone calls checks the rule of its action
(``campaigns.permissions``), the same rule as the page and the API.
"""

from campaigns.services.automation import campaign_advance, campaign_automate, campaigns_advance, step_breakpoint_set
from campaigns.services.dispatch import submission_dispatch, submissions_dispatch_waiting
from campaigns.services.error_rules import (
    error_rule_create,
    error_rule_deactivate,
    error_rule_update,
    error_type_create,
    error_type_update,
)
from campaigns.services.groups import group_release, step_split
from campaigns.services.lifecycle import (
    campaign_archive,
    campaign_clone,
    campaign_create,
    campaign_pause,
    campaign_release_change,
    campaign_resume,
    campaign_unarchive,
    step_accept,
)
from campaigns.services.polling import submission_finish, submissions_poll, submissions_sweep
from campaigns.services.records import submission_measurements_counted, submission_record_external_run
from campaigns.services.requests import submission_cancel, submission_request, submission_restart

__all__ = [
    "campaign_advance",
    "campaign_archive",
    "campaign_automate",
    "campaign_clone",
    "campaign_create",
    "campaign_pause",
    "campaign_release_change",
    "campaign_resume",
    "campaign_unarchive",
    "campaigns_advance",
    "error_rule_create",
    "error_rule_deactivate",
    "error_rule_update",
    "error_type_create",
    "error_type_update",
    "group_release",
    "step_accept",
    "step_breakpoint_set",
    "step_split",
    "submission_cancel",
    "submission_dispatch",
    "submission_finish",
    "submission_measurements_counted",
    "submission_record_external_run",
    "submission_request",
    "submission_restart",
    "submissions_dispatch_waiting",
    "submissions_poll",
    "submissions_sweep",
]
