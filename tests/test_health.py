import pytest
from django.db import DatabaseError
from django.test import Client


@pytest.mark.django_db
def test_it_reports_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_it_answers_503_when_the_database_does_not(client: Client, monkeypatch) -> None:
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["reason"]


@pytest.mark.django_db
def test_it_rejects_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
