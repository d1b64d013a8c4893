"""Make sure an administrator account exists, without ever overwriting one."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections


class Command(BaseCommand):
    help = (
        "Create a superuser if none exists: from DJANGO_SUPERUSER_USERNAME, "
        "DJANGO_SUPERUSER_PASSWORD and DJANGO_SUPERUSER_EMAIL when set, otherwise "
        "'admin' with a generated password that is printed once. --summary URL "
        "ends with what `make run` leaves running: where to go, who signs in, "
        "and how to stop the embedded PostgreSQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--summary",
            metavar="URL",
            default=None,
            help="Print a summary for the server about to serve at URL.",
        )

    def handle(self, *, summary: str | None, verbosity: int, **options: Any) -> None:
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        password = None
        if existing is None:
            existing, password = self._create()
        elif verbosity >= 1 and summary is None:
            self.stdout.write(f"Admin account exists: {existing.username}")
        if summary is not None:
            self._summary(summary, existing.get_username(), password)

    def _create(self) -> tuple[User, str | None]:
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username, email, password)
        self.stdout.write(self.style.SUCCESS(f"Created admin account {username!r}."))
        if not generated:
            return user, None
        self.stdout.write(
            self.style.WARNING(
                f"Its password, shown only this once: {password}\n"
                "Change it at /admin/password_change/ after logging in."
            )
        )
        return user, password

    def _summary(self, url: str, username: str, password: str | None) -> None:
        base = url.rstrip("/")
        if password:
            sign_in = f"{username} / {password}  (shown only this once: note it)"
        else:
            sign_in = (
                f"{username}, with the password printed when it was created "
                f"(forgotten: manage.py changepassword {username})"
            )
        lines = [
            self.style.MIGRATE_HEADING("aunoo is ready"),
            f"  open      {base}/   admin: {base}/admin/",
            f"  sign in   {sign_in}",
            f"  articles  {self._analytics()}",
            "  stop      Ctrl-C stops the web server",
        ]
        self.stdout.write("\n".join(lines))

    def _analytics(self) -> str:
        settings = connections["analytics"].settings_dict
        embedded = settings.get("EMBEDDED")
        if not embedded:
            return (
                f"PostgreSQL at {settings.get('HOST') or 'the local socket'}, "
                f"database {settings.get('NAME')}"
            )
        return (
            f"the embedded PostgreSQL in {embedded['PGDATA']}; it keeps running "
            "after Ctrl-C: stop it with `make analyticsdb-stop`"
        )
