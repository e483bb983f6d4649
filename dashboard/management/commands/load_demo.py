from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo data and demo users (idempotent: a second run changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--allow-production", action="store_true", help="load demo users in production mode too")

    def handle(self, *args, allow_production: bool = False, **options):
        if settings.PRODUCTION and not allow_production:
            raise CommandError("Refusing to create demo users with known passwords in production mode.")
        report = load_demo()
        self.stdout.write(f"Demo data loaded: {report.changes} change(s).")
        self.stdout.write("Demo users (sign in at http://127.0.0.1:8000/login/):")
        for username, role, password in report.users:
            self.stdout.write(f"  {username:<10} {role:<18} {password}")
