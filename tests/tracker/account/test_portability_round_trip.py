"""What the import accepts, the export must give back in a form the import accepts again.

Hypothesis builds import files across the whole format, edge values included (time zones
at ±14 hours around the year bounds, microseconds, -0.0 and huge metric values, text at
its length limit and beyond the Basic Multilingual Plane, unknown skill slugs). A file
the import refuses is set aside; one it accepts is imported into a fresh account, that
account's export is imported into another fresh account, and the two exports must be
equal in everything an import carries. Each example runs in a transaction rolled back
afterwards.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from typing import Any

import pytest
from django.db import transaction
from django.test import RequestFactory
from hypothesis import HealthCheck, example, given, reject
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tracker.account.format import PROFILE_TEXT, PROFILE_URLS, PROJECT_TEXT, PROJECT_URLS
from tracker.account.importing import account_import, read_export_file
from tracker.account.schema import ImportRefused, validate_import
from tracker.account.views import export_json
from tracker.models import User

pytestmark = pytest.mark.slow  # hypothesis

KNOWN_SKILLS = [f"skill-{t}-{s}" for t in (1, 2) for s in (1, 2, 3)]  # conftest's catalog
SKILLS = st.sampled_from([*KNOWN_SKILLS, "gone-skill", "renamed_2"])
STATUSES = st.sampled_from(["todo", "learning", "done", "skipped"])

# Text: anything UTF-8 can hold (so no lone surrogates), NUL now and then, and strings of
# exactly a field's length in characters, some of them outside the BMP.
CHARACTERS = st.characters(codec="utf-8")


def text(limit: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(CHARACTERS, max_size=12),
        st.sampled_from(["a", "é", "😀", "\u200b"]).map(lambda c: c * limit),
    )


URLS = st.sampled_from(
    [
        "https://example.org",
        "http://example.org/a/b?q=1&r=%20#frag",
        "ftp://ftp.example.org/pub/file.txt",
        "https://例え.テスト/パス",
        "https://user:pw@example.org:8080/",
        "https://xn--bcher-kva.example/",
        "https://[2001:db8::1]/x",
        "https://example.org/" + "p" * 280,
    ]
)

# Times: the export's own form and the other forms an ISO 8601 string may take, with
# offsets up to ±14 hours (and the odd one beyond), over and just past the year bounds.
OFFSETS = st.sampled_from(["Z", "+00:00", "-00:00", "+14:00", "-12:00", "+05:30", "-09:30"])
EDGE_TIMES = st.sampled_from(
    [
        "1900-01-01T00:00:00+14:00",
        "1900-01-01T00:00:00Z",
        "1899-12-31T23:00:00-01:00",
        "2200-12-31T23:59:59.999999Z",
        "2200-12-31T23:59:59.999999-14:00",
        "2200-12-31T23:30:00-01:00",
        "2026-03-01T09:00:00.1234567Z",
        "2026-03-01 09:00:00.5+00:00",
        "2026-03-01T09:00Z",
    ]
)


@st.composite
def times(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(dt.datetime(1899, 12, 31), dt.datetime(2201, 1, 1)))
    separator = draw(st.sampled_from(["T", " "]))
    timespec = draw(st.sampled_from(["auto", "seconds", "microseconds", "minutes"]))
    return moment.isoformat(separator, timespec) + draw(OFFSETS)


TIMES = st.one_of(EDGE_TIMES, times())
DAYS = st.one_of(
    st.sampled_from(["1900-01-01", "2200-12-31", "1899-12-31", "2201-01-01"]),
    st.dates(dt.date(1899, 12, 1), dt.date(2201, 1, 31)).map(dt.date.isoformat),
)
NUMBERS = st.one_of(
    st.floats(),  # NaN and infinities included: the import must refuse them
    st.sampled_from([-0.0, 0.0, 5e-324, 1.7976931348623157e308, -1e308]),
    st.integers(-(10**20), 10**20),
)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def entries(fields: dict, **optional_fields: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(fields, optional=optional_fields)


PROFILE = entries(
    {},
    **{name: text(limit) for name, limit in PROFILE_TEXT.items()},
    **{name: st.one_of(st.just(""), URLS) for name in PROFILE_URLS},
    show_progress=st.booleans(),
    username=st.just("someone-else"),
    date_joined=TIMES,
)
PROGRESS = entries(
    {"skill": SKILLS, "status": STATUSES},
    note=text(20_000),
    started_at=optional(TIMES),
    completed_at=optional(TIMES),
    updated_at=optional(TIMES),
    verified_by=st.just("mallory"),
    verified_at=TIMES,
)
EVENT = entries(
    {"skill": SKILLS, "from_status": STATUSES, "to_status": STATUSES, "created_at": TIMES}
)
LINK = entries({"skill": SKILLS, "title": text(200), "url": URLS}, created_at=optional(TIMES))
METRIC = entries(
    {"name": text(60), "value": NUMBERS},
    split=st.sampled_from(["train", "validation", "test", "cv", "production"]),
    baseline=optional(NUMBERS),
)
COLLABORATOR = entries({"name": text(100)}, url=st.one_of(st.just(""), URLS))
PROJECT = entries(
    {"title": text(120)},
    **{name: text(limit) for name, limit in PROJECT_TEXT.items() if name != "title"},
    **{name: st.one_of(st.just(""), URLS) for name in PROJECT_URLS},
    kind=st.sampled_from(["personal", "kaggle", "open_source", "internship", "work", "course"]),
    visibility=st.sampled_from(["private", "mentors", "public"]),
    started_on=optional(DAYS),
    finished_on=optional(DAYS),
    created_at=optional(TIMES),
    updated_at=optional(TIMES),
    skills=st.lists(SKILLS, max_size=4),
    metrics=st.lists(METRIC, max_size=3),
    collaborators=st.lists(COLLABORATOR, max_size=2),
    images=st.just([{"caption": "ROC", "width": 30, "height": 20, "url": "https://x.example/1"}]),
    url=st.just("https://elsewhere.example/projects/7/"),
)
DOCUMENTS = entries(
    {"format": st.just("gradient-export"), "version": st.just(1)},
    exported_at=TIMES,
    user=PROFILE,
    progress=st.lists(PROGRESS, max_size=4, unique_by=lambda p: p["skill"]),
    events=st.lists(EVENT, max_size=5),
    links=st.lists(LINK, max_size=3),
    projects=st.lists(PROJECT, max_size=2),
    # What the import does not read, as an export holds it.
    feedback=st.just([{"project": None, "skill": "skill-1-1", "mentor": "bob", "author": "bob",
                       "body": "Nice.", "created_at": "2026-01-01T00:00:00+00:00"}]),
    feedback_given=st.just([{"learner": "x", "project": "P", "skill": None, "body": "Hi.",
                             "created_at": "2026-01-01T00:00:00+00:00"}]),
    mentor_notes=st.just([{"learner": "x", "body": "Keen.",
                           "updated_at": "2026-01-01T00:00:00+00:00"}]),
    mentorships=st.just({"as_learner": [], "as_mentor": [{"learner": "x", "state": "active"}]}),
)  # fmt: skip


def carried(export: dict[str, Any]) -> dict[str, Any]:
    """What of an export an import brings back: not the account's names, ids, images,
    verifications, feedback, mentor notes, mentoring, or when the file was made."""
    user = export["user"]
    return {
        "user": {name: user[name] for name in (*PROFILE_TEXT, *PROFILE_URLS, "show_progress")},
        "progress": [
            {name: p[name] for name in
             ("skill", "status", "note", "started_at", "completed_at", "updated_at")}
            for p in export["progress"]
        ],
        "events": export["events"],
        "links": export["links"],
        "projects": [
            {name: value for name, value in p.items() if name not in ("url", "images")}
            for p in export["projects"]
        ],
    }  # fmt: skip


_names = itertools.count()


def export_of(user: User) -> bytes:
    """The account's export, as /account/export.json sends it (less the middleware)."""
    request = RequestFactory().get("/account/export.json")
    request.user = user
    response = export_json(request)
    assert response.status_code == 200
    return response.content


def import_into_fresh_account(content: bytes) -> User:
    data = read_export_file(io.BytesIO(content))
    validate_import(data)  # a refused file costs no account
    user = User.objects.create(username=f"learner{next(_names)}")
    account_import(user=user, data=data)
    return user


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(document=DOCUMENTS, ascii_only=st.booleans())
@example(
    document={
        "format": "gradient-export",
        "version": 1,
        "events": [{"skill": "skill-1-1", "from_status": "todo", "to_status": "done",
                    "created_at": "1900-01-01T00:00:00+14:00"}],
    },
    ascii_only=True,
)  # fmt: skip
def test_what_the_import_accepts_the_export_gives_back_and_the_import_accepts_again(
    catalog: list, document: dict[str, Any], ascii_only: bool
) -> None:
    content = json.dumps(document, ensure_ascii=ascii_only).encode()
    with transaction.atomic():
        try:
            first = import_into_fresh_account(content)
        except ImportRefused:
            reject()  # rolls the transaction back on its way out
        exported = export_of(first)
        second = import_into_fresh_account(exported)  # the account's own export: accepted
        again = export_of(second)
        transaction.set_rollback(True)

    first_export, second_export = json.loads(exported), json.loads(again)
    assert carried(second_export) == carried(first_export)
    # As text too: 0.0 == -0.0 and 1 == 1.0 in Python, not in the file.
    assert json.dumps(carried(second_export)) == json.dumps(carried(first_export))
    known = [e for e in document.get("events", []) if e["skill"] in KNOWN_SKILLS]
    assert len(first_export["events"]) == len(known)
    assert len(first_export["projects"]) == len(document.get("projects", []))
