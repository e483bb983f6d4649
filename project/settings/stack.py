"""The LSST stack, a separate environment called as subprocesses (see console_stack/README.md), and the
submissions that run on it: their working directories, polling, sweeping and retries."""

import shlex
from pathlib import Path

from console.env import env_int, env_limits, env_str
from project.settings.base import BASE_DIR, DATA_DIR

STACK_ENV_DIR = Path(env_str("STACK_ENV_DIR") or BASE_DIR / ".stack-venv")
# Put before every stack command, e.g. "conda run -n lsst-scipipe" or "ssh batch-head"; empty by default.
STACK_COMMAND_PREFIX = shlex.split(env_str("STACK_COMMAND_PREFIX") or "")
# Where each submission gets its own working directory (bps restart reads ./runinfo from it).
CAMPAIGN_RUNS_DIR = Path(env_str("CAMPAIGN_RUNS_DIR") or DATA_DIR / "runs")
# The demo Butler repository that `make run` creates.
DEMO_BUTLER_REPO = Path(env_str("DEMO_BUTLER_REPO") or DATA_DIR / "demo-repo")
# How long a stack command may take before it counts as hung (seconds).
STACK_COMMAND_TIMEOUT = env_int("STACK_COMMAND_TIMEOUT", 300, minimum=1)
# Submissions polled per batch (one query per batch).
SUBMISSION_POLL_BATCH = env_int("SUBMISSION_POLL_BATCH", 200, minimum=1)
# How often beat polls the running submissions and sweeps the others (seconds; backing_services.py's schedule).
SUBMISSION_POLL_INTERVAL = env_int("SUBMISSION_POLL_INTERVAL", 10, minimum=1)
SUBMISSION_SWEEP_INTERVAL = env_int("SUBMISSION_SWEEP_INTERVAL", 30, minimum=1)
# The sweeper re-enqueues a submission still pending this long after it was asked for (the broker was down
# at commit), and frees one still submitting this long after it was claimed (its worker died mid-dispatch).
SUBMISSION_PENDING_SWEEP_AFTER = env_int("SUBMISSION_PENDING_SWEEP_AFTER", 30, minimum=1)
SUBMISSION_STUCK_AFTER = env_int("SUBMISSION_STUCK_AFTER", 120, minimum=1)
# A launch that failed transiently (campaigns/workflow/base.py: failure_is_transient) is tried again after
# SUBMISSION_RETRY_BACKOFF seconds, twice as long each time, at most SUBMISSION_RETRY_MAX_DELAY; after
# SUBMISSION_MAX_TRIES launches the submission fails with the last error.
SUBMISSION_RETRY_BACKOFF = env_int("SUBMISSION_RETRY_BACKOFF", 10, minimum=1)
SUBMISSION_RETRY_MAX_DELAY = env_int("SUBMISSION_RETRY_MAX_DELAY", 300, minimum=1)
SUBMISSION_MAX_TRIES = env_int("SUBMISSION_MAX_TRIES", 5, minimum=1)
# At most this many submissions launched (submitting or running) at once per workflow system, across campaigns
# (a campaign's own limit is Campaign.max_running_groups): "parsl=4,htcondor=200". A workflow system not named
# has no limit of its own. The demo's Parsl runs share this machine's cores.
CAMPAIGN_SITE_LIMITS = env_limits("CAMPAIGN_SITE_LIMITS", {"parsl": 2})
