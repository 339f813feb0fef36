from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "seedbed.core"
    label = "core"
    verbose_name = "Seedbed core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from seedbed.core.audit import register_sqlite_guard

        connection_created.connect(register_sqlite_guard, dispatch_uid="seedbed-audit-guard")
