from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campaigns.models import Submission
from console.errors import DomainError
from qa.ingest import measurements_ingest
from qa.readers import rows_from_file


class Command(BaseCommand):
    help = "Ingest a CSV or Parquet file of measurements into a submission (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--submission", type=int, required=True)
        parser.add_argument("--register-unknown", action="store_true", help="register metrics not known yet")

    def handle(self, *args, file: Path, submission: int, register_unknown: bool, **options):
        try:
            target = Submission.objects.get(pk=submission)
        except Submission.DoesNotExist:
            raise CommandError(f"No submission {submission}.") from None
        if not file.exists():
            raise CommandError(f"No file {file}.")
        try:
            with file.open("rb") as stream:
                report = measurements_ingest(
                    submission=target,
                    rows=rows_from_file(stream, file.name),
                    register_unknown=register_unknown,
                    source=f"command:{file.name}",
                )
        except DomainError as error:
            raise CommandError(str(error)) from None
        registered = f"; registered {', '.join(report.registered_metrics)}" if report.registered_metrics else ""
        self.stdout.write(f"Ingested {report.rows} measurements into submission {target.pk}{registered}.")
