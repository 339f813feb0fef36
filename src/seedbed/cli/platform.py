"""Platform commands: demo, serve, migrate, createsuperuser, audit verify.

Django is set up only when one of these runs, so `seedbed --help` and the engine commands
need no database. Configuration and database problems end in one line naming the cause.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import typer

from seedbed.cli.output import emit_json, fail

audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

ERROR_DATABASE = (
    "cannot reach the database ({detail}). Check DATABASE_URL, or unset it to use SQLite under var/"
)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seedbed.config.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        fail(f"configuration error: {exc}")


def _check_database() -> None:
    from django.db import OperationalError, connection

    try:
        connection.ensure_connection()
    except OperationalError as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(ERROR_DATABASE.format(detail=detail))


def _manage(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def migrate(quiet: bool = typer.Option(False, "--quiet", help="Print less.")) -> None:
    """Create or update the database tables."""
    _setup_django()
    _check_database()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if quiet else 1)


def createsuperuser() -> None:
    """Create an administrator who can sign in to the admin pages."""
    _setup_django()
    _check_database()
    from django.core.management import call_command

    call_command("createsuperuser")


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Serve Seedbed (Django's server with WhiteNoise serving static files)."""
    _setup_django()
    _check_database()
    from django.core.management import call_command

    call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)


def _print_personas() -> None:
    from rich.console import Console
    from rich.table import Table

    from seedbed.demo.personas import DEMO_PASSWORD, PERSONAS

    table = Table(title=f"Demo sign-ins (password for all: {DEMO_PASSWORD})")
    table.add_column("Username")
    table.add_column("Role")
    table.add_column("Can")
    for persona in PERSONAS:
        table.add_row(persona.username, persona.role.replace("_", " "), persona.can)
    Console(stderr=False).print(table)


def demo(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Set up only; do not start the server."),
) -> None:
    """Set up a local demo (SQLite under var/, static files, demo data) and serve it."""
    os.environ.setdefault("DJANGO_DEBUG", "true")
    os.environ.setdefault("SEEDBED_ALLOW_DEMO_DATA", "true")
    # The demo runs no task worker: background work (the outbox's emails, printed to the
    # console, and theme refreshes) runs as soon as each change commits.
    os.environ.setdefault("SEEDBED_TASKS_BACKEND", "immediate")
    _setup_django()
    _check_database()
    from django.core.management import call_command

    from seedbed.demo.build import DemoRefused, demo_load

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    try:
        summary = demo_load()
    except DemoRefused as exc:
        fail(str(exc))
    if summary.created:
        # Themes across the demo needs are normally refreshed by a background worker.
        call_command("voices_themes", verbosity=0)
    state = "loaded" if summary.created else "already loaded"
    typer.echo(f"Demo data {state}: {summary.organisations} organisations, {summary.people} people.")
    _print_personas()
    if no_serve:
        return
    typer.echo(f"Seedbed is running at http://{host}:{port}/ (Ctrl+C to stop)")
    sys.stdout.flush()
    call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)


@audit_app.command("verify")
def audit_verify_command(
    json_output: bool = typer.Option(False, "--json", help="JSON output."),
    checkpoint: str = typer.Option(
        "", "--checkpoint",
        help="ENTRY:HASH printed by an earlier run; fails if that entry was since removed or changed.",
    ),
    checkpoints_file: list[Path] = typer.Option(
        [], "--checkpoints",
        help="A saved copy of /audit/checkpoints.json (or the checkpoint file); repeatable.",
    ),
) -> None:
    """Exit 0 if the audit chain is intact; exit 1 naming the first bad entry.

    Every entry's MAC is checked with SEEDBED_AUDIT_KEY, and the chain is held to every
    checkpoint the service has stored (and SEEDBED_AUDIT_CHECKPOINT_FILE, when set), so a
    rewritten or cut-short chain fails with no checkpoint given by hand. Prints the newest
    entry as a checkpoint: keep it somewhere else and pass it with --checkpoint next time.
    """
    _setup_django()
    from seedbed.core.audit import audit_verify, checkpoint_parse
    from seedbed.core.audit_checkpoints import checkpoints_load

    try:
        expected = checkpoint_parse(checkpoint) if checkpoint else None
    except ValueError as problem:
        fail(f"--checkpoint: {problem}")
    kept = []
    for path in checkpoints_file:
        try:
            kept.extend(checkpoints_load(path))
        except ValueError as problem:
            fail(f"--checkpoints: {problem}")
    _check_database()

    result = audit_verify(checkpoint=expected, checkpoints=kept)
    if json_output:
        emit_json(result)
    elif result.ok:
        typer.echo(f"Audit chain intact: {result.entries} entries checked with the audit key, "
                   f"held to {result.checkpoints_checked} checkpoints.")
        if result.unkeyed_entries:
            typer.echo(f"{result.unkeyed_entries} entries from before the chain was keyed were "
                       "checked by hash and are sealed by the first keyed entry.")
        if result.head_id is not None:
            typer.echo(f"Checkpoint: {result.head_id}:{result.head_hash}")
    else:
        typer.echo(f"Audit chain broken: {result.problem}", err=True)
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint_command(
    reason: str = typer.Option("scheduled", "--reason", help="A short public label (no personal data)."),
    json_output: bool = typer.Option(False, "--json", help="JSON output."),
) -> None:
    """Record a checkpoint of the newest entry (run it from a daily timer) and print it.

    It is listed in /audit/checkpoints.json for anyone to keep.
    """
    _setup_django()
    _check_database()
    from seedbed.core.audit import audit_checkpoint_current, checkpoint_public

    recorded = audit_checkpoint_current(reason=reason.strip() or "scheduled")
    if recorded is None:
        fail("the audit log is empty: there is nothing to checkpoint yet")
    if json_output:
        emit_json(checkpoint_public(recorded))
    else:
        typer.echo(f"Checkpoint recorded: {recorded.token}")


def register(app: Any) -> None:
    app.command("demo")(demo)
    app.command("serve")(serve)
    app.command("migrate")(migrate)
    app.command("createsuperuser")(createsuperuser)
    app.add_typer(audit_app, name="audit")
