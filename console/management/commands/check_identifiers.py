"""manage.py check_identifiers: list the stored identifiers that their kind's pattern refuses.

Every entry point refuses such values now, but rows written before the checks (or by hand in the
database) keep them. The pages show them escaped and without a link; this finds them so that someone
can correct them. Exits with an error when it finds any.
"""

from collections.abc import Iterator

from django.apps import apps
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import models

from console.identifiers import USERNAME, IdentifierKind, IdentifierValidator


def identifier_fields() -> Iterator[tuple[type[models.Model], str, IdentifierKind]]:
    """(model, field name, kind) of every field whose validators include a kind's, and the user names."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            for validator in field.validators:
                if isinstance(validator, IdentifierValidator):
                    yield model, field.name, validator.kind
    yield User, "username", USERNAME  # Django's field: its own validator allows "." and ".."


def bad_identifiers() -> Iterator[str]:
    """One line per stored value that is not valid for its kind: where it is, and why (naming it, escaped)."""
    for model, name, kind in identifier_fields():
        for pk, value in model._default_manager.order_by("pk").values_list("pk", name).iterator():
            if problem := kind.problem(value):
                yield f"{model._meta.label_lower} #{pk} {name}: {problem}"


class Command(BaseCommand):
    help = (
        "List stored Jira keys, RFC ids, tickets, release versions, committee slugs and user names that their "
        "pattern (console/identifiers.py) refuses; exits with an error if there is any."
    )

    def handle(self, *args, **options) -> None:
        lines = list(bad_identifiers())
        for line in lines:
            self.stdout.write(line)
        if lines:
            raise CommandError(f"{len(lines)} stored identifier(s) cannot be part of a page address; correct them.")
        self.stdout.write(self.style.SUCCESS("Every stored identifier is valid."))
