from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Campaign Console"

    def ready(self) -> None:
        from console import identifiers

        # Before any URLconf is read: the apps' routes use <jira_key:...>, <release_version:...> and the like.
        identifiers.register_converters()

        from axes.signals import user_locked_out
        from django.db.models.signals import post_migrate

        from console.auth import record_sign_in_lockout
        from console.cache import create_cache_tables

        # A sign-in lockout goes into the audit trail; migrate also makes the database cache's table.
        user_locked_out.connect(record_sign_in_lockout, dispatch_uid="console.record_sign_in_lockout")
        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="console.create_cache_tables")
