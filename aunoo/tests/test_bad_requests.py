"""Malformed requests get a 4xx answer, never a server error."""

from __future__ import annotations

import pytest
from django.test import Client

from articles.models import Article

pytestmark = pytest.mark.django_db(databases=["default", "analytics"])


@pytest.fixture
def staff_client(admin_client: Client) -> Client:
    admin_client.raise_request_exception = False
    return admin_client


def test_a_disallowed_host_gets_the_400_page() -> None:
    client = Client(raise_request_exception=False, HTTP_HOST="evil.example")
    response = client.get("/login/")
    assert response.status_code == 400
    assert b"The request could not be understood" in response.content


def test_a_disallowed_host_gets_the_400_page_when_signed_in(member) -> None:
    client = Client(raise_request_exception=False, HTTP_HOST="evil.example")
    client.force_login(member)
    response = client.get("/")
    assert response.status_code == 400


def test_a_nul_in_the_path_is_refused_with_400(staff_client: Client) -> None:
    response = staff_client.get("/admin/articles/article/%00/change/")
    assert response.status_code == 400
    assert b"Check the link, or start again from the articles." in response.content


def test_a_nul_in_a_query_parameter_is_refused_with_400(staff_client: Client) -> None:
    response = staff_client.get("/admin/articles/article/", {"topic": "\x00"})
    assert response.status_code == 400


def test_a_nul_in_a_form_field_is_refused_with_400(staff_client: Client) -> None:
    Article.objects.create(uri="https://example.com/a", title="A")
    response = staff_client.post(
        "/admin/articles/article/",
        {"action": "delete_selected", "_selected_action": ["https://example.com/\x00"]},
    )
    assert response.status_code == 400
    assert Article.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "publication_date__year=9999",
        "publication_date__year=9999&publication_date__month=12",
        "publication_date__year=9999&publication_date__month=12"
        "&publication_date__day=31",
    ],
)
def test_the_admin_date_hierarchy_refuses_the_end_of_the_calendar(
    staff_client: Client, query: str
) -> None:
    response = staff_client.get(f"/admin/articles/article/?{query}")
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
