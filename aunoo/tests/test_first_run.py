"""What a newcomer meets first: make run, its summary, the sample logins, the
icon, the database shell, and the page after a password change."""

from __future__ import annotations

import shutil
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.urls import reverse

from legacy.generate import generate_legacy_file

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])
PROJECT = Path(settings.BASE_DIR)


def make_dry_run(target: str) -> str:
    """The commands ``make TARGET`` would run from scratch, without running them."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", "-B", "-C", str(PROJECT), target, "VENV=/nonexistent/venv"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_make_run_installs_only_the_runtime_requirements() -> None:
    commands = make_dry_run("run")
    assert "-r requirements.txt" in commands
    assert "requirements-dev.txt" not in commands


def test_make_test_installs_the_development_tools() -> None:
    assert "-r requirements-dev.txt" in make_dry_run("test")


def test_make_run_ends_with_a_summary() -> None:
    assert "ensure_admin --summary" in make_dry_run("run")


def test_the_summary_shows_the_new_admin_password_and_how_to_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    out = StringIO()
    call_command("ensure_admin", summary="http://127.0.0.1:8000/", stdout=out)
    summary = out.getvalue().split("aunoo is ready")[1]
    password = summary.split("sign in   admin / ")[1].split()[0]
    assert authenticate(username="admin", password=password) is not None
    assert "http://127.0.0.1:8000/admin/" in summary
    if connections["analytics"].settings_dict.get("EMBEDDED"):
        assert "make analyticsdb-stop" in summary


def test_the_summary_of_a_later_run_says_where_the_password_is(
    admin_user: User,
) -> None:
    out = StringIO()
    call_command("ensure_admin", summary="http://127.0.0.1:8000/", stdout=out)
    assert "manage.py changepassword ada" in out.getvalue()


def test_the_sample_files_printed_logins_work_after_make_run(tmp_path: Path) -> None:
    facts = generate_legacy_file(tmp_path / "sample.db", articles=60, seed=3)
    call_command("ensure_admin", stdout=StringIO())  # what make run does first
    call_command("import_legacy_config", "--source", str(facts.path), stdout=StringIO())
    line = next(
        line for line in facts.summary().splitlines() if line.startswith("logins")
    )
    pairs = [pair.split(" / ") for pair in line.split(": ", 1)[1].split(", ")]
    assert pairs
    for username, password in pairs:
        assert authenticate(username=username, password=password) is not None, username


def test_the_site_icon_is_served_without_signing_in(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
    assert finders.find("favicon.svg") is not None


def test_pages_name_the_site_icon(member_client: Client) -> None:
    body = member_client.get(reverse("articles:list")).content.decode()
    assert 'rel="icon"' in body


def test_dbshell_opens_the_embedded_postgresql(capfd: Any) -> None:
    if not connections["analytics"].settings_dict.get("EMBEDDED"):
        pytest.skip("the analytics database is a PostgreSQL server, not embedded")
    call_command(
        "dbshell", "--database", "analytics", "--", "-Atc", "SHOW data_directory"
    )
    data_directory = capfd.readouterr().out.strip()
    embedded = connections["analytics"].settings_dict["EMBEDDED"]["PGDATA"]
    assert Path(data_directory).resolve() == Path(embedded).resolve()


def test_after_a_password_change_the_page_says_other_sessions_are_signed_out(
    member: User,
) -> None:
    here, elsewhere = Client(), Client()
    here.force_login(member)
    elsewhere.login(username="mel", password="mel-password-1")
    response = here.post(
        reverse("password_change"),
        {
            "old_password": "mel-password-1",
            "new_password1": "a-new-long-password-7",
            "new_password2": "a-new-long-password-7",
        },
        follow=True,
    )
    assert "has been signed out" in response.content.decode()
    assert "stay signed in until" not in response.content.decode()
    # And so it is: the other browser is sent to sign in again.
    assert elsewhere.get(reverse("articles:list")).status_code == 302
    assert here.get(reverse("articles:list")).status_code == 200
