"""``import_legacy_config --validate``: every configuration row is here as the
import makes it, or recorded as rejected."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from accounts.models import LegacyProfile
from aunoo.tests.sqlite_files import execute
from config_app.models import (
    AppSetting,
    NewsletterPrompt,
    OrganizationalProfile,
    PodcastSetting,
)
from config_app.tests.legacy_config_files import bcrypt_hash
from legacy.config import import_config
from legacy.config_verify import ConfigValidation, validate_config
from legacy.source import LegacySource

pytestmark = pytest.mark.django_db(databases=["default"])

LEGACY_DIR = Path(settings.BASE_DIR).parent / "shared" / "legacy"
REAL_FILES = ["fnaapp_20251007_1d8143a4.db", "fnaapp_20250318_4c0b0e03.db"]
PROMPT = {"prompt_template": "Summarise {articles}", "description": "Summary"}


def imported(path: Path) -> Path:
    with LegacySource(path) as source:
        import_config(source)
    return path


def validate(path: Path) -> ConfigValidation:
    with LegacySource(path) as source:
        return validate_config(source)


@pytest.fixture
def small(config_file: Callable[..., Path]) -> Path:
    """A clean file with a row in the tables the checks below change."""
    return config_file(
        {
            "users": [{"username": "ana", "password_hash": bcrypt_hash("p")}],
            "newsletter_prompts": [{"content_type_id": "summary", **PROMPT}],
            "organizational_profiles": [
                {"id": 3, "name": "Newsroom", "key_concerns": '["trust"]'}
            ],
            "config": [{"name": "theme", "content": "dark"}],
        }
    )


@pytest.fixture
def dirty(config_file: Callable[..., Path]) -> Path:
    return config_file(
        {
            "keyword_groups": [{"id": 7, "name": "Energy", "topic": "Climate"}],
            "monitored_keywords": [
                {"id": 1, "group_id": 7, "keyword": "solar", "last_checked": "soon"},
                {"id": 2, "group_id": 4242, "keyword": "tidal"},  # orphan
            ],
            "settings_podcasts": [{"key": "intro", "value": "{'not': 'json'}"}],
        }
    )


@pytest.mark.legacy_files
@pytest.mark.parametrize("name", REAL_FILES)
def test_a_real_file_validates_after_its_import(name: str) -> None:
    path = LEGACY_DIR / name
    if not path.exists():
        pytest.skip(f"the real legacy files are not in {LEGACY_DIR}")
    assert validate(imported(path)).problems == []


@pytest.mark.legacy_files
@pytest.mark.parametrize("name", REAL_FILES)
def test_every_row_of_a_real_file_is_counted(name: str) -> None:
    path = LEGACY_DIR / name
    if not path.exists():
        pytest.skip(f"the real legacy files are not in {LEGACY_DIR}")
    checks = validate(imported(path)).tables
    assert all(c.source == c.imported + c.rejected for c in checks)


def test_a_dirty_file_validates_with_its_rejects(dirty: Path) -> None:
    result = validate(imported(dirty))
    assert result.ok
    assert result.table("monitored_keywords").rejected == 1


def test_a_file_never_imported_is_reported_missing(small: Path) -> None:
    result = validate(small)
    assert "newsletter_prompts summary: not in config_app.NewsletterPrompt" in (
        "\n".join(result.problems)
    )


def test_a_value_changed_here_is_caught(small: Path) -> None:
    imported(small)
    NewsletterPrompt.objects.update(description="Edited here")
    assert validate(small).problems == [
        "newsletter_prompts summary, column description: 'Edited here' here, the "
        "legacy file gives 'Summary'"
    ]


def test_a_value_changed_in_the_legacy_file_is_caught(small: Path) -> None:
    imported(small)
    execute(small, "UPDATE organizational_profiles SET key_concerns = '[\"cost\"]'")
    assert validate(small).problems == [
        "organizational_profiles 3, column key_concerns: ['trust'] here, the legacy "
        "file gives ['cost']"
    ]


def test_legacy_extra_changed_here_is_caught(dirty: Path) -> None:
    imported(dirty)
    PodcastSetting.objects.update(legacy_extra=None)
    assert [p.split(":")[0] for p in validate(dirty).problems] == [
        "settings_podcasts intro, column legacy_extra"
    ]


def test_a_row_deleted_here_is_caught(small: Path) -> None:
    imported(small)
    OrganizationalProfile.objects.all().delete()
    check = validate(small).table("organizational_profiles")
    assert (check.source, check.imported, check.rejected) == (1, 0, 0)
    assert not check.ok


def test_a_legacy_flag_changed_here_is_caught(small: Path) -> None:
    imported(small)
    LegacyProfile.objects.update(force_password_change=True)
    assert validate(small).problems == [
        "users ana, force_password_change: True here, the legacy file gives False"
    ]


def test_a_password_changed_here_is_the_users_own(small: Path) -> None:
    imported(small)
    ana = User.objects.get(username="ana")
    ana.set_password("a-new-passphrase-42")
    ana.save()
    assert validate(small).ok


def test_a_setting_copied_from_config_changed_here_is_caught(small: Path) -> None:
    imported(small)
    AppSetting.objects.update(config_value="light")
    assert validate(small).problems == [
        "app_config 'theme' (from config): 'light' here, the legacy file gives 'dark'"
    ]


def test_a_reject_for_a_row_the_file_no_longer_has_is_caught(dirty: Path) -> None:
    imported(dirty)
    execute(dirty, "DELETE FROM monitored_keywords WHERE id = 2")
    [problem] = validate(dirty).problems
    assert problem.startswith(
        "monitored_keywords: rejects recorded for rows the legacy file no longer has"
    )


def test_the_command_exits_1_on_a_difference(
    small: Path, import_legacy_config: Callable[..., Any]
) -> None:
    imported(small)
    NewsletterPrompt.objects.update(description="Edited here")
    result = import_legacy_config("--source", str(small), "--validate")
    assert result.code == 1
    assert "newsletter_prompts summary, column description" in result.out


def test_the_command_exits_0_when_everything_is_here(
    small: Path, import_legacy_config: Callable[..., Any]
) -> None:
    imported(small)
    result = import_legacy_config("--source", str(small), "--validate")
    assert (result.code, result.err) == (0, "")


def test_validate_writes_nothing(
    small: Path, import_legacy_config: Callable[..., Any]
) -> None:
    import_legacy_config("--source", str(small), "--validate")
    assert not NewsletterPrompt.objects.exists()
