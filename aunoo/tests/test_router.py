from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import router

from articles.models import Article, ArticleAnnotation
from config_app.models import UserFeedSubscription

ANALYTICS_APPS = {"articles"}
ALL_MODELS = [pytest.param(model, id=model._meta.label) for model in apps.get_models()]


def expected_db(model: type) -> str:
    return "analytics" if model._meta.app_label in ANALYTICS_APPS else "default"


@pytest.mark.parametrize("model", ALL_MODELS)
def test_reads_go_to_the_model_database(model: type) -> None:
    assert router.db_for_read(model) == expected_db(model)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_writes_go_to_the_model_database(model: type) -> None:
    assert router.db_for_write(model) == expected_db(model)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_migrations_run_only_on_the_model_database(model: type) -> None:
    label = model._meta.app_label
    home = expected_db(model)
    other = "default" if home == "analytics" else "analytics"
    assert router.allow_migrate(home, label, model_name=model._meta.model_name)
    assert not router.allow_migrate(other, label, model_name=model._meta.model_name)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_relations_within_the_model_database_are_allowed(model: type) -> None:
    same_db_partner = Article() if expected_db(model) == "analytics" else User()
    assert router.allow_relation(model(), same_db_partner)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_relations_across_databases_are_refused(model: type) -> None:
    other_db_partner = User() if expected_db(model) == "analytics" else Article()
    assert not router.allow_relation(model(), other_db_partner)


def test_assigning_an_object_from_the_other_database_raises() -> None:
    user = User(username="stray")
    user._state.db = "analytics"
    subscription = UserFeedSubscription()
    subscription._state.db = "default"
    with pytest.raises(ValueError, match="router prevents this relation"):
        subscription.user = user


@pytest.mark.django_db(databases=["default", "analytics"])
def test_saving_an_annotation_lands_in_postgresql_only() -> None:
    article = Article.objects.create(uri="https://example.com/a", title="A")
    ArticleAnnotation.objects.create(article=article, author="mel", content="note")
    assert ArticleAnnotation.objects.using("analytics").count() == 1
    assert article._state.db == "analytics"
