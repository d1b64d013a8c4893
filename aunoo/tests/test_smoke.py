from __future__ import annotations

import pytest
from django.db import connections


@pytest.mark.django_db(databases=["default", "analytics"])
def test_both_databases_answer() -> None:
    assert connections["default"].vendor == "sqlite"
    assert connections["analytics"].vendor == "postgresql"
    with connections["analytics"].cursor() as cursor:
        cursor.execute("SELECT current_database()")
        assert cursor.fetchone()[0].startswith("test_")
