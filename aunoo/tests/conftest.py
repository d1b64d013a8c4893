"""Fixtures of the project-level tests: a database that is down."""

from __future__ import annotations

import copy
import socket
from collections.abc import Iterator

import pytest
from django.db import connections
from django.db.utils import load_backend


def _closed_port() -> int:
    # A port that was free a moment ago: nothing listens there, connects are refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def analytics_down() -> Iterator[None]:
    """Points this thread's ``analytics`` connection at a port nobody listens on."""
    original = connections["analytics"]
    settings_dict = copy.deepcopy(original.settings_dict)
    settings_dict.pop("EMBEDDED", None)
    settings_dict.update(
        ENGINE="django.db.backends.postgresql",
        HOST="127.0.0.1",
        PORT=str(_closed_port()),
        OPTIONS={"connect_timeout": 2},
    )
    backend = load_backend(settings_dict["ENGINE"])
    broken = backend.DatabaseWrapper(settings_dict, "analytics")
    connections["analytics"] = broken
    try:
        yield
    finally:
        broken.close()
        connections["analytics"] = original
