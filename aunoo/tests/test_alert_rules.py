"""The alert rules in monitoring/: valid for Prometheus, and about real metrics."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from aunoo import system

MONITORING = Path(settings.BASE_DIR) / "monitoring"
RULES = MONITORING / "alerts.yml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not found: install Debian's `prometheus` package (.ci/run does)",
)
# What is left of an expression once these go: metric names only.
NOT_METRICS = [
    r'"(?:[^"\\]|\\.)*"',  # strings
    r"\{[^}]*\}",  # label matchers
    r"\[[^\]]*\]",  # ranges
    r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)",
    r"\b[a-z_]+\s*\(",  # function and aggregation names
    r"\b(?:and|or|unless|bool|offset)\b",
]


def _rules() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def metric_names(expression: str) -> set[str]:
    for pattern in NOT_METRICS:
        expression = re.sub(pattern, " ", expression)
    return set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", expression))


def test_metric_names_are_read_from_expressions() -> None:
    assert metric_names(
        'increase(aunoo_a_total{x="y or z"}[5m]) > 0 and on (alias) aunoo_b == 1'
    ) == {"aunoo_a_total", "aunoo_b"}


@needs_promtool
def test_promtool_accepts_the_rules() -> None:
    result = subprocess.run(
        [PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_each_alert_fires_on_its_failure_and_only_then() -> None:
    result = subprocess.run(
        [PROMTOOL, "test", "rules", "alerts.test.yml"],
        cwd=MONITORING,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_required_failure_has_an_alert() -> None:
    names = {rule["alert"] for rule in _rules()}
    assert {
        "AunooDatabaseDown",
        "AunooReplicaLagging",
        "AunooBackupTooOld",
        "AunooPoolExhausted",
        "AunooMigrationInterrupted",
    } <= names


@pytest.mark.django_db(databases=["default", "analytics"])
def test_every_metric_the_rules_use_is_in_the_scrape(settings, tmp_path) -> None:
    settings.METRICS_TOKEN = "a-metrics-token-long-enough-to-be-secret-0123"
    settings.BACKUP_DIR = tmp_path
    system.cache.clear()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
    text = client.get("/metrics").content.decode()
    exposed = set()
    for family in text_string_to_metric_families(text):
        # A family with no sample yet (no replica, no run) still names itself.
        exposed.add(family.name)
        if family.type == "counter":
            exposed.add(f"{family.name}_total")
        exposed |= {sample.name for sample in family.samples}
    used = {name for rule in _rules() for name in metric_names(rule["expr"])}
    assert used, "no metric found in the rules"
    assert used - exposed == set()
