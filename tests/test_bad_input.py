"""Bad input on every state-changing route: refused, never a 500, and nothing written.

The routes come from the access table (tests/helpers/access.py): every route there that
accepts a POST from the user entitled to use it (found by asking each one) must have an
entry in SPEC (tests/helpers/inputs.py), or
`test_every_state_changing_route_has_bad_input_cases` fails and names it.

Each entry has one valid request (which must succeed and write, so the bad ones around
it differ only in what makes them bad) and its bad requests, each with the exact answer
expected: a 4xx, a 200 that re-renders the form with its errors, or a redirect that
writes nothing. Every route also gets the generic cases: an oversize body, too many
fields and the wrong methods. After each request every tracker and catalog table must
read exactly as before.

Then hypothesis posts generated form data to every form endpoint and checks that no
answer is a 5xx and that a request either writes nothing or writes a whole, valid
change.
"""

from __future__ import annotations

import string
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.helpers import PASSWORD
from tests.helpers.access import World
from tests.helpers.csp import csp_violations
from tests.helpers.inputs import (
    BIG_ID,
    NUL,
    SPEC,
    Case,
    _path,
    attempt,
    body_of,
    changed_tables,
    dropped_field_cases,
    entitled_role,
    generic_cases,
    project_data,
    signed_in,
    snapshot,
    state_changing_routes,
)
from tracker.models import Progress, ProgressEvent

pytestmark = pytest.mark.slow  # a sweep of every route's bad input, and hypothesis

# -- the tests ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_state_changing_route_has_bad_input_cases(world: World) -> None:
    found = state_changing_routes(world)
    missing = sorted(found - set(SPEC))
    assert not missing, (
        f"these routes accept POST but have no bad-input cases: {missing}; "
        "add them to SPEC in tests/test_bad_input.py"
    )
    stale = sorted(set(SPEC) - found)
    assert not stale, f"SPEC names routes that no longer accept POST: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SPEC))
def test_the_valid_request_each_case_departs_from_succeeds(world: World, name: str) -> None:
    route = SPEC[name]
    response, wrote = attempt(world, name, Case("valid", route.valid))
    assert response.status_code == route.valid_status, body_of(response)[:2000]
    assert wrote, f"{name}: the valid request wrote nothing"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SPEC))
def test_bad_input_is_refused_and_writes_nothing(world: World, name: str) -> None:
    failures = []
    for case in [*SPEC[name].cases, *dropped_field_cases(world, name), *generic_cases(name)]:
        try:
            response, wrote = attempt(world, name, case)
        except Exception as e:  # the test client re-raises what would have been a 500
            failures.append(f"{case.label}: a 500, {type(e).__name__}: {str(e)[:200]}")
            continue
        problems = []
        if response.status_code != case.status:
            problems.append(f"answered {response.status_code}, expected {case.status}")
        if wrote:
            problems.append(f"wrote to {wrote}")
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            problems += csp_violations(body_of(response))
        if problems:
            failures.append(f"{case.label}: {'; '.join(problems)}")
    assert not failures, f"{name} as {entitled_role(name)}:\n  " + "\n  ".join(failures)


# -- generated input -------------------------------------------------------------------------

_PROJECT_FIELDS = [*project_data(), "skills", "started_on", "finished_on", "data_url"]
_PROJECT_FIELDS += ["image_1", "image_1_caption", "image_2", "images-0-id", "images-0-caption"]
_PROJECT_FIELDS += ["images-TOTAL_FORMS", "images-INITIAL_FORMS"]
_PROJECT_FIELDS += [
    f"metrics-{i}-{f}"
    for i in (0, 1)
    for f in ("name", "split", "value", "baseline", "better", "DELETE", "id")
]
_PROJECT_FIELDS += [
    f"collaborators-{i}-{f}" for i in (0, 1) for f in ("name", "url", "DELETE", "id")
]

# Field names a real form would send, per form endpoint; hypothesis mixes in others.
FIELDS: dict[str, list[str]] = {
    "tracker:progress": ["status", "next"],
    "tracker:note": ["note", "next"],
    "tracker:link-add": ["title", "url", "next"],
    "tracker:resource-used": ["used", "next"],
    "tracker:goal": ["sent", "path", "hours_per_week", "target_date", "time_zone", "next"],
    "tracker:goal-known": ["skill", "stage"],
    "tracker:evidence": ["project"],
    "tracker:project-new": _PROJECT_FIELDS,
    "tracker:project-edit": _PROJECT_FIELDS,
    "tracker:profile": [
        "first_name", "last_name", "headline", "bio", "github_url", "linkedin_url",
        "kaggle_url", "website_url", "show_progress",
    ],
    "tracker:account-import": ["file", "sent", "submission"],
    "tracker:account-delete": ["password"],
    "tracker:invite-new": ["submission"],
    "tracker:invite-accept": ["decision"],
    "tracker:mentorship-sharing": ["share_notes", "sent"],
    "tracker:feedback-reply": ["body", "next", "submission"],
    "tracker:mentee-feedback": ["skill", "project", "body", "next", "submission"],
    "tracker:mentee-note": ["body"],
    "tracker:mentee-verify": ["comment"],
    "tracker:invite-send": ["to", "submission"],
    "tracker:unsubscribe": ["List-Unsubscribe", "action"],
}  # fmt: skip
for _name in ("tracker:project-new", "tracker:project-edit", "tracker:profile"):
    FIELDS[_name] = [*FIELDS[_name], "sent", "submission"]
FIELDS["tracker:link-add"].append("submission")

# What a successful submit of each endpoint may change (besides nothing at all).
MAY_CHANGE: dict[str, set[str]] = {
    "tracker:progress": {"tracker.Progress", "tracker.ProgressEvent"},
    "tracker:note": {"tracker.Progress"},
    "tracker:link-add": {"tracker.SkillLink", "tracker.Submission"},
    "tracker:resource-used": {"tracker.ResourceUse"},
    "tracker:goal": {"tracker.Goal", "tracker.User"},
    "tracker:goal-known": {"tracker.Progress", "tracker.ProgressEvent"},
    "tracker:evidence": {"tracker.Project_skills"},
    "tracker:project-new": {
        "tracker.Project", "tracker.Metric", "tracker.Collaborator", "tracker.Project_skills",
        "tracker.ProjectImage", "tracker.Submission",
    },
    "tracker:profile": {"tracker.User"},
    "tracker:invite-accept": {"tracker.Mentorship", "tracker.Invite"},
    "tracker:mentorship-sharing": {"tracker.Mentorship"},
    "tracker:invite-new": {"tracker.Invite", "tracker.Submission"},
    "tracker:feedback-reply": {"tracker.Feedback", "tracker.Submission"},
    "tracker:mentee-feedback": {"tracker.Feedback", "tracker.Submission"},
    "tracker:mentee-note": {"tracker.MentorNote"},
    "tracker:mentee-verify": {"tracker.Progress", "tracker.ProgressEvent"},
    "tracker:invite-send": {"tracker.Invite", "tracker.Submission"},
    "tracker:unsubscribe": {"tracker.MailOptOut"},
}  # fmt: skip
MAY_CHANGE["tracker:project-edit"] = MAY_CHANGE["tracker:project-new"]
# Import adds to everything the user owns; deletion removes all of it.
MAY_CHANGE["tracker:account-import"] = {
    label
    for app in ("tracker",)
    for label in (
        m._meta.label for m in apps.get_app_config(app).get_models(include_auto_created=True)
    )
}
MAY_CHANGE["tracker:account-delete"] = MAY_CHANGE["tracker:account-import"]


# Routes whose successful POST answers 200 rather than a redirect: RFC 8058's one-click
# unsubscribe is answered to a mail program, which follows no redirect.
ANSWERS_200_TO_A_WRITE = {"tracker:unsubscribe"}


def _plausible(w: World) -> list[str]:
    projects = w.objects["projects"]
    return [
        "todo", "learning", "done", "skipped", "on", "accept", "skill-1-1", "skill-1-2",
        "personal", "kaggle", "public", "private", "mentors", "test", "train", "0.5", "-1",
        "2024-01-31", "https://example.org/", PASSWORD, str(projects["private"].pk),
        str(projects["public"].pk), "1", "0", "20", "1000", BIG_ID, "\u00b2", "\u0661\u0662",
        f"done{NUL}", "nan", "inf",
    ]  # fmt: skip


def form_data(w: World, name: str) -> st.SearchStrategy[dict[str, Any]]:
    text = st.text(max_size=120)
    binary_text = st.binary(max_size=60).map(lambda b: b.decode("latin-1"))
    scalar = st.one_of(st.just(""), text, binary_text, st.sampled_from(_plausible(w)),
                       st.integers().map(str))  # fmt: skip
    upload = st.binary(max_size=300).map(lambda b: SimpleUploadedFile("f.json", b))
    value = st.one_of(scalar, st.lists(scalar, min_size=2, max_size=3), upload)
    key = st.one_of(
        st.sampled_from(FIELDS[name]),
        st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=12),
    )
    generated = st.dictionaries(key, value, max_size=10)
    valid = SPEC[name].valid
    # Half the time start from the valid request, so successful writes get checked too.
    return st.tuples(st.booleans(), generated).map(
        lambda t: {**((valid(w) if callable(valid) else valid) if t[0] else {}), **t[1]}
    )


def _changed_rows(before: dict, after: dict) -> list[tuple[str, int]]:
    rows = []
    for label, rows_after in after.items():
        old = set(before[label])
        rows += [(label, row[0]) for row in rows_after if row not in old]
    return rows


def assert_consistent(before: dict, after: dict, name: str, status: int) -> None:
    """The database after one request: nothing written, or one whole valid change."""
    connection.check_constraints()  # no dangling foreign keys (SQLite defers them)
    wrote = set(changed_tables(before, after))
    if (status == 200 and name not in ANSWERS_200_TO_A_WRITE) or 400 <= status < 500:
        # A re-rendered form or a refusal wrote nothing at all.
        assert not wrote, f"answered {status} but wrote to {sorted(wrote)}"
    assert wrote <= MAY_CHANGE[name], f"wrote to {sorted(wrote - MAY_CHANGE[name])}"
    for label, pk in _changed_rows(before, after):
        model = apps.get_model(label)
        row = model._default_manager.get(pk=pk)
        for f in model._meta.concrete_fields:
            value = getattr(row, f.attname)
            assert not (isinstance(value, str) and NUL in value), f"{label} {pk}: NUL in {f.name}"
        if label != "tracker.Project_skills":
            try:
                row.full_clean(validate_unique=False)
            except ValidationError as e:
                raise AssertionError(f"{label} {pk} was saved invalid: {e}") from None
    # History stays whole: each progress row's status is where its last event led.
    last = {}
    for change in ProgressEvent.objects.order_by("created_at", "id"):
        last[(change.user_id, change.skill_id)] = change.to_status
    for progress in Progress.objects.all():
        expected = last.get((progress.user_id, progress.skill_id), "todo")
        assert progress.status == expected, f"progress {progress.pk} lost its history"


@pytest.fixture
def session(world: World, request: pytest.FixtureRequest) -> tuple[Client, str]:
    """One sign-in for all of a test's examples (signing in writes, and takes time)."""
    client = signed_in(world, entitled_role(request.node.callspec.params["name"]))
    return client, client.cookies[django_settings.SESSION_COOKIE_NAME].value


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FIELDS))
@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(data=st.data())
def test_generated_form_posts_never_500_nor_half_write(
    world: World, session: tuple[Client, str], name: str, data: st.DataObject
) -> None:
    posted = data.draw(form_data(world, name), label="posted")
    client, session_key = session
    # An example that deleted the account also logged out; its rollback restored the
    # session row, and this restores the cookie.
    client.cookies[django_settings.SESSION_COOKIE_NAME] = session_key
    with transaction.atomic():
        before = snapshot()
        response = client.post(_path(name)(world), posted)
        assert response.status_code < 500
        after = snapshot()
        assert_consistent(before, after, name, response.status_code)
        transaction.set_rollback(True)
    # --hypothesis-show-statistics shows how often each outcome came up.
    event(f"answered {response.status_code}")
    event("wrote" if changed_tables(before, after) else "wrote nothing")


def test_every_form_endpoint_gets_generated_input() -> None:
    """Every SPEC route with fields of its own is in FIELDS (and MAY_CHANGE)."""
    fieldless = {n for n, r in SPEC.items() if r.valid == {} and all(not c.data for c in r.cases)}
    assert set(FIELDS) == set(SPEC) - fieldless, "add the route's field names to FIELDS"
    assert set(FIELDS) == set(MAY_CHANGE)
