"""Release tasks: thin and safe to run twice; the services claim the work."""

from celery import shared_task

from releases.services import releases_support_expire


@shared_task(name="releases.tasks.end_expired_support")
def end_expired_support_task() -> dict:
    # Run by beat several times a day: a release moves on the first run after its last day of support. Pre-flight
    # and backport requests check the date themselves, so a late run leaves nothing open meanwhile.
    return releases_support_expire()
