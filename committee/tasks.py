"""Committee tasks: thin, safe to run twice (the services claim their work)."""

from celery import shared_task

from committee.services import decision_notify, decisions_close_expired, vote_reminders_send


@shared_task(
    name="committee.tasks.send_decision_notification",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=30,
    retry_backoff_max=900,
    max_retries=6,
)
def send_decision_notification_task(decision_id: int, kind: str) -> None:
    decision_notify(decision_id=decision_id, kind=kind)


@shared_task(name="committee.tasks.close_expired_decisions")
def close_expired_decisions_task() -> None:
    decisions_close_expired()


@shared_task(name="committee.tasks.send_vote_reminders")
def send_vote_reminders_task() -> None:
    vote_reminders_send()
