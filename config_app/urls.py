"""Keyword monitoring pages."""

from __future__ import annotations

from django.urls import path

from config_app import views

app_name = "keywords"
urlpatterns = [
    path("", views.group_list, name="groups"),
    path("new/", views.group_create, name="group_create"),
    path("settings/", views.monitor_settings, name="settings"),
    path("<int:pk>/", views.group_detail, name="group"),
    path("<int:pk>/rename/", views.group_rename, name="group_rename"),
    path("<int:pk>/delete/", views.group_delete, name="group_delete"),
    path("<int:pk>/follow/", views.group_follow, name="group_follow"),
    path("<int:pk>/keywords/", views.keyword_add, name="keyword_add"),
    path("<int:pk>/rescan/", views.group_rescan, name="group_rescan"),
    path(
        "<int:pk>/keywords/<int:keyword_pk>/",
        views.keyword_change,
        name="keyword_change",
    ),
    path(
        "<int:pk>/keywords/<int:keyword_pk>/remove/",
        views.keyword_remove,
        name="keyword_remove",
    ),
]
