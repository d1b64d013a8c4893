"""DEBUG and the debug toolbar are for development only."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings


def installed_apps_with(**env: str) -> str:
    child_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aunoo.settings",
        "AUNOO_ENV_FILE": os.devnull,
        "SECRET_KEY": "test-only",
        **env,
    }
    code = "from django.conf import settings; print(settings.INSTALLED_APPS)"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env=child_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_debug_toolbar_is_enabled_only_with_debug() -> None:
    assert "debug_toolbar" in installed_apps_with(DEBUG="true")
    assert "debug_toolbar" not in installed_apps_with(DEBUG="false")


def test_debug_is_off_in_the_test_settings() -> None:
    assert settings.DEBUG is False


def test_a_missing_secret_key_stops_production_start() -> None:
    child_env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    child_env.update(DJANGO_SETTINGS_MODULE="aunoo.settings", AUNOO_ENV_FILE=os.devnull)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=child_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def search_rank_window_with(value: str) -> subprocess.CompletedProcess[str]:
    code = "from django.conf import settings; print(settings.SEARCH_RANK_WINDOW)"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "aunoo.settings",
            "AUNOO_ENV_FILE": os.devnull,
            "SECRET_KEY": "test-only",
            "SEARCH_RANK_WINDOW": value,
        },
        capture_output=True,
        text=True,
    )


def test_the_search_rank_window_is_read_from_the_environment() -> None:
    assert search_rank_window_with("250").stdout.strip() == "250"
    bad = search_rank_window_with("lots")
    assert bad.returncode != 0
    assert "SEARCH_RANK_WINDOW must be a whole number" in bad.stderr


def setting_with(name: str, value: str) -> subprocess.CompletedProcess[str]:
    code = f"from django.conf import settings; print(settings.{name})"
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "aunoo.settings",
            "AUNOO_ENV_FILE": os.devnull,
            "SECRET_KEY": "test-only",
            name: value,
        },
        capture_output=True,
        text=True,
    )


def test_a_short_healthz_token_stops_start_saying_how_to_make_one() -> None:
    result = setting_with("HEALTHZ_TOKEN", "secret")
    assert result.returncode != 0
    assert "HEALTHZ_TOKEN is too short to be secret: use at least 32" in result.stderr
    assert "secrets.token_urlsafe(32)" in result.stderr


def test_the_sign_in_failure_limit_is_read_from_the_environment() -> None:
    assert setting_with("SIGN_IN_FAILURE_LIMIT", "8").stdout.strip() == "8"
    bad = setting_with("SIGN_IN_FAILURE_LIMIT", "0")
    assert bad.returncode != 0
    assert "SIGN_IN_FAILURE_LIMIT must be greater than zero" in bad.stderr


def test_the_sign_in_lockout_is_read_from_the_environment() -> None:
    assert setting_with("SIGN_IN_LOCKOUT_MINUTES", "30").stdout.strip() == "30"
    bad = setting_with("SIGN_IN_LOCKOUT_MINUTES", "soon")
    assert bad.returncode != 0
    assert "SIGN_IN_LOCKOUT_MINUTES must be a whole number" in bad.stderr
