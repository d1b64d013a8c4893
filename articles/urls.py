"""The analysts' pages: list and search, trends, exports, saved searches, articles,
annotations, alerts."""

from __future__ import annotations

import base64
import binascii

from django.urls import path, register_converter

from articles import views


class ArticleUriConverter:
    """An article uri as URL-safe base64, so its slashes, '?' and '#' survive.

    Article uris are whole URLs; put in a path as they are, proxies that merge
    slashes (nginx does by default) would change ``https://`` into ``https:/``.
    """

    regex = "[A-Za-z0-9_-]+"

    def to_python(self, value: str) -> str:
        try:
            uri = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            # A ValueError makes the resolver answer 404.
            raise ValueError("not an encoded article uri") from exc
        if "\x00" in uri:
            raise ValueError("no article uri holds a NUL character")
        return uri

    def to_url(self, value: str) -> str:
        return base64.urlsafe_b64encode(value.encode()).decode().rstrip("=")


register_converter(ArticleUriConverter, "article_uri")

app_name = "articles"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("articles/<article_uri:uri>/", views.article_detail, name="detail"),
    path(
        "articles/<article_uri:uri>/notes/",
        views.annotation_add,
        name="annotation_add",
    ),
    path("notes/<int:pk>/edit/", views.annotation_edit, name="annotation_edit"),
    path("notes/<int:pk>/delete/", views.annotation_delete, name="annotation_delete"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/mark/", views.alerts_mark, name="alerts_mark"),
    path("alerts/export/", views.alerts_export, name="alerts_export"),
    path("trends/", views.trends_view, name="trends"),
    path("export/", views.article_export, name="export"),
    path("saved/", views.saved_search_list, name="saved"),
    path("saved/new/", views.saved_search_create, name="saved_create"),
    path("saved/<int:pk>/", views.saved_search_open, name="saved_open"),
    path("saved/<int:pk>/edit/", views.saved_search_update, name="saved_update"),
]
