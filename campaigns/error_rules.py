"""Classifying a failed run: the error rules (``ErrorRule``) in force for its release are tried in position order
against its evidence, and the first that matches gives the failure its type (``ErrorType``) and the action a campaign
that runs automatically takes on it.

The evidence is what the run report and bps said (``Submission.failures``, ``Submission.error``): each failure's
task label and message, and bps's own error with no task. A rule matches a piece of evidence when its task pattern
(if it has one) is found in the task label and its message pattern in the message, ignoring case, ``^`` and ``$``
at each line.

The patterns are regular expressions people write, run over text the runs wrote: Python's ``re`` backtracks and
cannot be stopped, so a careless pattern (``.*.*x``, ``(a|a)*b``) on a long log line would hold the worker for
minutes. Both sides are bounded: a pattern is refused when saved (``pattern_problem``, called by
``campaigns.services.error_rules``) unless it compiles, fits its column, nests no repetition and repeats little
enough that the longest text read costs at most ``MAX_PATTERN_COST`` steps; and only the first
``MAX_FAILURES_READ`` failures and the last ``MAX_TEXT_CHARS`` characters of each text are read.
"""

import logging
import re
import re._parser as sre_parse  # the parser ``re`` compiles with: how far a pattern may backtrack
from functools import lru_cache

from django.db.models import Q

from campaigns.models import ErrorRule, Submission
from releases.choices import BackportStatus
from releases.models import Release

logger = logging.getLogger(__name__)

MESSAGE_FLAGS = re.IGNORECASE | re.MULTILINE
# The run report lists the first 20 failures; a rule is tried on those and bps's error, no more.
MAX_FAILURES_READ = 20
# The end of a text: where an exception's last line and the lines before bps gave up are.
MAX_TEXT_CHARS = 4_000
# How many ways a pattern may try to match from one position of a text: the product of its repetitions' bounds
# (an unbounded one counts as the whole text). One ``.*`` with a ``{0,10}`` beside it fits; two ``.*`` do not.
MAX_PATTERN_COST = MAX_TEXT_CHARS * 10

_REPEATS = (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT)
_BACKREFERENCES = (sre_parse.GROUPREF, sre_parse.GROUPREF_EXISTS)


class _TooCostly(Exception):
    """A pattern whose matching may take too long on a failure's text; the message says why."""


def _contains_repetition(items) -> bool:
    """Whether the parsed items repeat anything more than once or choose between alternatives, at any depth."""
    for op, value in items:
        if op in _REPEATS and value[1] > 1:
            return True
        if op is sre_parse.BRANCH:
            return True
        if _contains_repetition(_inner(op, value)):
            return True
    return False


def _inner(op, value) -> list:
    """The items inside a group, an assertion or a repetition; none for anything else."""
    if op is sre_parse.SUBPATTERN:
        return list(value[-1])
    if op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
        return list(value[1])
    if op is sre_parse.ATOMIC_GROUP:
        return list(value)
    if op in _REPEATS:
        return list(value[2])
    return []


def _cost(items) -> int:
    """How many ways the items may match from one position: repetitions multiply, alternatives take the dearest."""
    cost = 1
    for op, value in items:
        if op in _BACKREFERENCES:
            raise _TooCostly("refers back to a group (\\1, (?P=name), (?(1)...)), which may take very long to match")
        if op in _REPEATS:
            _low, high, body = value
            if high > 1 and _contains_repetition(body):
                raise _TooCostly(
                    "repeats a group that itself repeats or has alternatives, such as (a+)+ or (a|b)*, which may "
                    "take very long to match: repeat a character class ([ab]*) instead"
                )
            bound = MAX_TEXT_CHARS if high == sre_parse.MAXREPEAT else min(high, MAX_TEXT_CHARS)
            cost *= max(bound, 1) * _cost(body)
        elif op is sre_parse.BRANCH:
            cost *= max(_cost(alternative) for alternative in value[1])
        else:
            cost *= _cost(_inner(op, value))
        if cost > MAX_PATTERN_COST:
            raise _TooCostly(
                "repeats too freely to be matched quickly on a long log: at most one unbounded repetition "
                "(*, + or {n,}) in a row, the others bounded small (.{0,10})"
            )
    return cost


def pattern_problem(pattern: str, *, flags: int = 0) -> str:
    """Why a pattern cannot be a rule's (it does not compile, or may take too long to match), or "" when it can;
    the caller names the field and bounds the length."""
    try:
        re.compile(pattern, flags)
        _cost(sre_parse.parse(pattern, flags))
    except re.error as error:
        return f"is not a regular expression: {error}"
    except _TooCostly as error:
        return str(error)
    except RecursionError:
        return "nests too deeply"
    return ""


@lru_cache(maxsize=512)
def _compiled(pattern: str, flags: int) -> re.Pattern | None:
    """The pattern compiled once per process; None for one that does not compile (saved before the check, or by
    hand), which then matches nothing rather than stopping the end of a run."""
    try:
        return re.compile(pattern, flags)
    except re.error as error:
        logger.warning("error rule pattern %r does not compile: %s", pattern, error)
        return None


def rules_in_force(release: Release | int | None) -> list[ErrorRule]:
    """The active rules, in position order, that apply to a run of this release (a release or its id; None for a
    run recorded without one): those for every release and those scoped to it, but not those whose ``expires_with``
    backport has shipped. One query, with each rule's error type."""
    release_id = release.pk if isinstance(release, Release) else release
    scope = Q(release__isnull=True)
    if release_id is not None:
        scope |= Q(release_id=release_id)
    return list(
        ErrorRule.objects.filter(scope, active=True)
        .filter(Q(expires_with__isnull=True) | ~Q(expires_with__status=BackportStatus.SHIPPED))
        .select_related("error_type")
        .order_by("position", "id")
    )


def _tail(text) -> str:
    return text[-MAX_TEXT_CHARS:] if isinstance(text, str) else ""


def evidence(submission: Submission) -> list[tuple[str, str]]:
    """What a submission's failure is judged on, as (task label, message) pairs: its first ``MAX_FAILURES_READ``
    failures, then bps's own error with no task label; each text cut to its last ``MAX_TEXT_CHARS`` characters."""
    failures = submission.failures if isinstance(submission.failures, list) else []
    pairs = [
        (_tail(failure.get("task")), _tail(failure.get("message")))
        for failure in failures[:MAX_FAILURES_READ]
        if isinstance(failure, dict)
    ]
    if submission.error:
        pairs.append(("", _tail(submission.error)))
    return pairs


def rule_matches(rule: ErrorRule, task: str, message: str) -> bool:
    """Whether the rule's patterns are found in one piece of evidence (a rule with a task pattern never matches
    evidence without a task, bps's own error)."""
    if rule.task_pattern:
        task_pattern = _compiled(rule.task_pattern, 0)
        if not task or task_pattern is None or task_pattern.search(task) is None:
            return False
    message_pattern = _compiled(rule.message_pattern, MESSAGE_FLAGS)
    return message_pattern is not None and message_pattern.search(message) is not None


def classify(submission: Submission, rules: list[ErrorRule]) -> ErrorRule | None:
    """The first of ``rules`` (in the order given: ``rules_in_force``'s) that matches any of the submission's
    evidence, or None. Runs no query."""
    pieces = evidence(submission)
    for rule in rules:
        if any(rule_matches(rule, task, message) for task, message in pieces):
            return rule
    return None


def failure_classify(submission: Submission) -> ErrorRule | None:
    """Classify a failed submission by the rules in force for its release: sets ``error_rule`` and ``error_type``
    (None for both when no rule matches) without saving, for the caller to save in its transaction. One query."""
    rule = classify(submission, rules_in_force(submission.release_id))
    submission.error_rule = rule
    submission.error_type = rule.error_type if rule is not None else None
    return rule
