"""/metrics under gunicorn with several workers adds up every worker's counts."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from articles.tests.conftest import child_environment

TOKEN = "a-metrics-token-long-enough-to-be-secret-0123"
REQUESTS = 12

pytestmark = pytest.mark.django_db(databases=["default", "analytics"], transaction=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str, token: str | None = None) -> bytes:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise AssertionError(server.stderr.read().decode() if server.stderr else "")
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not answer")


def test_a_scrape_counts_the_requests_of_every_worker(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **child_environment(),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "METRICS_TOKEN": TOKEN,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "aunoo.wsgi", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=settings.BASE_DIR, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _wait_until_up(f"{base}/healthz", server)
        # Several at once: while one sync worker is busy the other accepts.
        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(lambda _: _get(f"{base}/healthz"), range(REQUESTS)))
        pids = {f.name.split("_")[-1] for f in tmp_path.glob("counter_*.db")}
        text = _get(f"{base}/metrics", TOKEN).decode()
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert len(pids) == 2, "both workers served requests"
    served = sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "aunoo_http_requests_total"
        and sample.labels["view"] == "healthz"
    )
    assert served >= REQUESTS + 1  # ours, and the start-up probes
