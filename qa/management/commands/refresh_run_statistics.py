from django.core.management.base import BaseCommand, CommandError

from qa.run_statistics import statistics_refresh_in_batches
from qa.selectors import existing_run_ids, measured_run_ids, slices_named_by_specifications


class Command(BaseCommand):
    help = (
        "Compute and store the statistics of runs (of all their measurements and of each slice a specification "
        "names), as ingest does: after an upgrade that added them, or to have them ready before the pages ask."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--submission", type=int, action="append", help="a run's submission id (repeatable)")
        which.add_argument("--all", action="store_true", dest="every_run", help="every run that has measurements")

    def handle(self, *args, submission: list[int] | None, every_run: bool, **options):
        if every_run:
            ids = measured_run_ids()
        else:
            ids = sorted(set(submission))
            unknown = sorted(set(ids) - existing_run_ids(ids))
            if unknown:
                raise CommandError(f"No submission {', '.join(map(str, unknown))}.")
        tags = [None, *slices_named_by_specifications()]
        statistics_refresh_in_batches(ids, tags=tags)
        slices = ", ".join(f"{key}={value}" for key, value in tags[1:]) or "none named by specifications"
        self.stdout.write(f"Stored the statistics of {len(ids)} runs (every measurement; slices: {slices}).")
