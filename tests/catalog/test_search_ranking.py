"""What learners type finds the skill they mean, ranked, on the shipped curriculum: a
table of queries run on SQLite (FTS5) and PostgreSQL (full-text and trigrams) alike.

Run it on both: `pytest tests/catalog/test_search_ranking.py`, and again with
DATABASE_URL=postgres://... . The module loads the curriculum once, so it lives apart
from the tests that build a small catalog of their own (test_search.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction
from django.test import Client

from catalog.curriculum import load_curriculum
from catalog.models import LearningPath, Prerequisite, Resource, Skill, Track
from catalog.snapshot import forget_catalog
from tests.catalog.test_search import ranked


@pytest.fixture(scope="module")
def curriculum(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """The real curriculum, loaded once for the module's tests, and removed after."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        load_curriculum()
        yield
        with transaction.atomic():
            LearningPath.objects.all().delete()  # its steps protect the skills
            Prerequisite.objects.all().delete()
            Resource.objects.all().delete()
            Skill.objects.all().delete()
            Track.objects.all().delete()
    forget_catalog()


# (what a learner types, the skill it must find, "first" or "top3")
QUERIES = [
    # Plain words and titles
    ("pandas", "pandas", "first"),
    ("numpy", "numpy", "first"),
    ("statistics", "statistics", "first"),
    ("neural networks", "neural-networks", "first"),
    ("gradient boosting", "gradient-boosting", "first"),
    ("cross validation", "cross-validation", "first"),
    ("random forest", "ensemble-methods", "first"),
    ("hyperparameter", "hyperparameter-tuning", "first"),
    ("embeddings", "word-embeddings", "first"),
    ("monitoring", "model-monitoring", "first"),
    ("drift", "data-drift", "first"),
    ("Kaggle", "kaggle-competitions", "first"),
    ("matplotlib", "matplotlib", "first"),
    ("transformer", "transformers", "first"),
    ("fine tuning", "transfer-learning", "first"),
    # Case and punctuation
    ("Scikit-Learn!!", "scikit-learn", "first"),
    ("LOGISTIC regression", "logistic-regression", "first"),
    ("A/B testing", "experimental-design", "first"),
    # Aliases from the curriculum file
    ("MLOps", "ml-lifecycle", "top3"),
    ("kmeans", "clustering", "first"),
    ("k-means", "clustering", "first"),
    ("CNN", "convolutional-networks", "first"),
    ("LLM", "large-language-models", "first"),
    ("RAG", "retrieval-augmented-generation", "first"),
    ("XGBoost", "gradient-boosting", "first"),
    ("sklearn", "scikit-learn", "first"),
    ("docker", "containers", "first"),
    ("k8s", "kubernetes", "first"),
    ("EDA", "exploratory-data-analysis", "first"),
    ("PCA", "dimensionality-reduction", "first"),
    ("vector database", "vector-databases", "first"),
    ("pgvector", "vector-databases", "first"),
    ("vLLM", "llm-serving", "first"),
    ("LLM serving", "llm-serving", "first"),
    ("agents", "llm-agents", "first"),
    ("function calling", "llm-agents", "first"),
    ("LLM evals", "llm-evaluation", "first"),
    ("guardrails", "llm-observability-guardrails", "first"),
    ("GPU cost", "gpu-cost", "first"),
    ("git", "version-control", "top3"),
    # Resource authors and providers
    ("3blue1brown", "linear-algebra", "top3"),
    ("Andrew Ng", "supervised-learning", "top3"),
    ("Karpathy", "neural-networks", "top3"),
    ("Chip Huyen", "data-drift", "top3"),
    ("Jake VanderPlas", "numpy", "top3"),
    ("MIT OpenCourseWare", "self-study", "top3"),
    # Misspellings
    ("regresion", "linear-regression", "top3"),
    ("linear regresion", "linear-regression", "first"),
    ("pandsa", "pandas", "first"),
    ("tenserflow", "tensorflow", "first"),
    ("overfiting", "overfitting-underfitting", "first"),
    # Typing, before the word is whole (active search)
    ("pand", "pandas", "first"),
    ("hyperparam", "hyperparameter-tuning", "first"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "slug", "where"), QUERIES, ids=[q for q, *_ in QUERIES])
def test_a_learner_finds_what_they_type(
    client: Client, curriculum: None, query: str, slug: str, where: str
) -> None:
    found = ranked(client, query)
    if where == "first":
        assert found[:1] == [slug], found[:5]
    else:
        assert slug in found[:3], found[:5]


@pytest.mark.django_db
def test_the_table_is_at_least_thirty_queries(curriculum: None) -> None:
    assert len(QUERIES) >= 30


@pytest.mark.django_db
def test_a_result_shows_its_track_snippet_and_the_resource_that_matched(
    client: Client, curriculum: None
) -> None:
    html = client.get("/catalog/", {"q": "Andrew Ng"}).content.decode()
    hit = html.split('href="/skills/supervised-learning/"')[1].split("</li>")[0]
    assert 'href="/catalog/machine-learning/"' in hit or "/catalog/" in hit  # its track
    assert "Resource:" in hit
    assert "Machine Learning Specialization" in hit
    assert "<mark>Andrew</mark> <mark>Ng</mark>" in hit  # the author, marked

    html = client.get("/catalog/", {"q": "MLOps"}).content.decode()
    hit = html.split('href="/skills/ml-lifecycle/"')[1].split("</li>")[0]
    assert "Also known as: <span><mark>MLOps</mark></span>" in hit


@pytest.mark.django_db
def test_an_authors_name_finds_the_skills_built_on_their_book(
    client: Client, curriculum: None
) -> None:
    """Ten skills read a chapter of the same book, so which of them comes first is a tie;
    what matters is that every top result is one of them, showing the book."""
    islr = set(
        Resource.objects.filter(author__startswith="Gareth James").values_list(
            "skill__slug", flat=True
        )
    )
    found = ranked(client, "Gareth James")
    assert found[:3] and set(found[:3]) <= islr, found[:5]
    html = client.get("/catalog/", {"q": "Gareth James"}).content.decode()
    assert "An Introduction to Statistical Learning" in html
