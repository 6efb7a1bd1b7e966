"""The mentor's overview of every mentee: numbers, sorting, CSV, access, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from catalog.models import Track
from catalog.snapshot import SHORT_TITLE_LENGTH, forget_catalog, get_catalog, short_title
from tests.helpers import make_catalog, make_user
from tracker.mentoring import rules as mentoring
from tracker.models import Feedback, Mentorship, Progress, ProgressEvent, Status, User
from tracker.progress.services import progress_set_status

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mentees(db: None, frozen, grace: User) -> dict[str, User]:
    """Grace mentors three learners over a catalog of two tracks of three skills:

    - dave, active: done 1.1 and 1.2 this week, learning 2.1 (2 of 6, 33%);
    - erin, slowing: done 1.1 a month ago, skipped 2.3, done 2.1 ten days ago (2 of 5, 40%);
    - frank, stalled: done 1.1 forty days ago (1 of 6, 17%).
    """
    skills = {s.slug: s for s in make_catalog(tracks=2, skills_per_track=3)}
    dave = make_user("dave", first_name="Dave", last_name="Dale")
    erin = make_user("erin", first_name="Erin", last_name="Eve")
    frank = make_user("frank", first_name="Frank", last_name="Fox")
    for learner in (dave, erin, frank):
        Mentorship.objects.create(learner=learner, mentor=grace)

    def move(user: User, slug: str, status: str, when: dt.datetime) -> None:
        progress_set_status(user=user, skill_id=skills[slug].pk, status=status, now=when)

    move(dave, "skill-2-1", "learning", days_ago(3))
    move(dave, "skill-1-2", "done", days_ago(2))
    move(dave, "skill-1-1", "done", days_ago(1))
    move(erin, "skill-1-1", "done", days_ago(30))
    move(erin, "skill-2-3", "skipped", days_ago(29))
    move(erin, "skill-2-1", "done", days_ago(10))
    move(frank, "skill-1-1", "done", days_ago(40))

    # Replies are what the learner writes; only the unread ones to grace count.
    on = skills["skill-1-1"]
    Feedback.objects.create(learner=dave, mentor=grace, author=grace, skill=on, body="Nice.")
    for body in ("Thanks!", "One more question."):
        Feedback.objects.create(learner=dave, mentor=grace, author=dave, skill=on, body=body)
    Feedback.objects.create(
        learner=dave, mentor=grace, author=dave, skill=on, body="Seen.", read_at=days_ago(1)
    )
    Feedback.objects.create(learner=frank, mentor=grace, author=frank, skill=on, body="Hi.")
    # Grace writing to frank is not a reply, however unread.
    Feedback.objects.create(learner=frank, mentor=grace, author=grace, skill=on, body="Hello.")
    return {"dave": dave, "erin": erin, "frank": frank}


def rows_by_name(grace: User) -> dict[str, mentoring.MenteeRow]:
    rows = mentoring.mentee_rows(grace, get_catalog(), NOW)
    return {row.username: row for row in rows}


# -- the numbers -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_mentee_gets_completion_per_track_and_overall(grace, mentees) -> None:
    rows = rows_by_name(grace)
    assert list(rows) == ["dave", "erin", "frank"]  # by name
    dave, erin, frank = rows["dave"], rows["erin"], rows["frank"]
    assert (dave.percent, dave.done, dave.counted) == (33, 2, 6)
    assert (erin.percent, erin.done, erin.counted) == (40, 2, 5)  # the skipped skill is out
    assert (frank.percent, frank.done, frank.counted) == (17, 1, 6)
    assert [(track.title, pct) for track, pct in dave.tracks] == [("Track 1", 67), ("Track 2", 0)]
    assert [pct for _, pct in erin.tracks] == [33, 50]
    assert [pct for _, pct in frank.tracks] == [33, 0]


@pytest.mark.django_db
def test_activity_decides_the_status(grace, mentees) -> None:
    rows = rows_by_name(grace)
    assert [rows[name].status for name in rows] == ["active", "slowing", "stalled"]
    assert rows["dave"].last_activity == days_ago(1)
    assert rows["erin"].last_activity == days_ago(10)
    assert rows["frank"].last_activity == days_ago(40)
    assert [rows[name].done_last_7_days for name in rows] == [2, 0, 0]
    assert [rows[name].idle_label for name in rows] == ["yesterday", "10 days ago", "40 days ago"]


@pytest.mark.django_db
def test_unread_replies_count_only_the_learners_unread_messages_to_this_mentor(
    grace, mentees, alice
) -> None:
    dave = mentees["dave"]
    Mentorship.objects.create(learner=dave, mentor=alice)
    skill = Progress.objects.filter(user=dave).first().skill  # type: ignore[union-attr]
    Feedback.objects.create(learner=dave, mentor=alice, author=dave, skill=skill, body="To Alice.")
    rows = rows_by_name(grace)
    assert [rows[name].unread_replies for name in rows] == [2, 0, 1]


@pytest.mark.parametrize(
    ("idle", "status"),
    [
        (dt.timedelta(0), "active"),
        (dt.timedelta(days=7, hours=23), "active"),
        (dt.timedelta(days=8), "slowing"),
        (dt.timedelta(days=21, hours=23), "slowing"),
        (dt.timedelta(days=22), "stalled"),
        (None, "stalled"),
    ],
)
def test_status_thresholds_count_whole_days(idle: dt.timedelta | None, status: str) -> None:
    last = None if idle is None else NOW - idle
    assert mentoring.activity_status(mentoring.idle_days(last, NOW)) == status


@pytest.mark.django_db
def test_a_skill_done_twice_this_week_counts_once(grace, mentees) -> None:
    dave = mentees["dave"]
    skill_id = Progress.objects.get(user=dave, skill__slug="skill-1-1").skill_id
    progress_set_status(user=dave, skill_id=skill_id, status="learning", now=days_ago(0.5))
    progress_set_status(user=dave, skill_id=skill_id, status="done", now=days_ago(0.2))
    row = rows_by_name(grace)["dave"]
    assert row.done_last_7_days == 2
    assert row.idle_label == "today"


@pytest.mark.django_db
def test_a_mentee_who_never_started_is_stalled_at_zero(grace, frozen) -> None:
    make_catalog(tracks=1, skills_per_track=2)
    Mentorship.objects.create(learner=make_user("gina"), mentor=grace)
    (row,) = mentoring.mentee_rows(grace, get_catalog(), NOW)
    assert (row.percent, row.done, row.counted, row.status) == (0, 0, 2, "stalled")
    assert row.last_activity is None and row.last_activity_date == ""
    assert row.tracks[0][1] == 0


@pytest.mark.django_db
def test_revoked_mentorships_and_other_mentors_mentees_are_not_listed(
    client: Client, grace, mentees, alice, bob
) -> None:
    Mentorship.objects.filter(learner=mentees["frank"]).update(
        state=Mentorship.State.REVOKED, revoked_at=NOW
    )
    Mentorship.objects.create(learner=bob, mentor=alice)
    assert list(rows_by_name(grace)) == ["dave", "erin"]
    client.force_login(grace)
    html = client.get("/mentor/").content.decode()
    assert "/mentor/frank/" not in html and "/mentor/bob/" not in html
    client.force_login(alice)
    assert [r.username for r in client.get("/mentor/").context["rows"]] == ["bob"]


@pytest.mark.django_db
def test_mentee_rows_runs_three_queries(grace, mentees, django_assert_num_queries) -> None:
    """The mentorships with their activity, progress per track, the goals (none here, so
    no plan is read); whatever the number of mentees."""
    catalog = get_catalog()
    with django_assert_num_queries(3):
        mentoring.mentee_rows(grace, catalog, NOW)


# -- the page --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_shows_a_row_per_mentee(client: Client, grace, mentees) -> None:
    client.force_login(grace)
    response = client.get("/mentor/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="/mentor/dave/">Dave Dale</a>' in html
    assert 'role="progressbar" aria-label="Completion"' in html
    assert 'aria-valuenow="33"><span class="progress-fill w-33"></span>' in html
    assert '<span class="matrix" role="img" aria-label="Track 1 67%, Track 2 0%">' in html
    assert '<i class="w-67"></i><i class="w-0"></i></span>' in html
    assert '<time datetime="2026-11-19">yesterday</time>' in html
    assert '<time datetime="2026-10-11">40 days ago</time>' in html
    for status, label in [("active", "Active"), ("slowing", "Slowing"), ("stalled", "Stalled")]:
        assert f'<span class="mentee-status mentee-status-{status}">{label}</span>' in html
    assert 'href="/mentor/export.csv?sort=name&amp;dir=asc"' in html
    assert 'style="' not in html  # the coming CSP allows no inline styles


@pytest.mark.django_db
def test_a_mentor_of_nobody_learns_how_mentoring_starts(client: Client, alice) -> None:
    client.force_login(alice)
    response = client.get("/mentor/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are not mentoring anyone yet." in html
    assert 'href="/mentors/"' in html and "invite link" in html and "admin" in html
    assert "<table" not in html and "Download CSV" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sort", "direction", "order"),
    [
        ("name", "asc", ["dave", "erin", "frank"]),
        ("name", "desc", ["frank", "erin", "dave"]),
        ("completion", "asc", ["frank", "dave", "erin"]),
        ("completion", "desc", ["erin", "dave", "frank"]),
        ("recent", "asc", ["erin", "frank", "dave"]),  # ties stay in name order
        ("recent", "desc", ["dave", "erin", "frank"]),
        ("last", "asc", ["frank", "erin", "dave"]),
        ("last", "desc", ["dave", "erin", "frank"]),
        ("status", "asc", ["dave", "erin", "frank"]),
        ("status", "desc", ["frank", "erin", "dave"]),
        ("unread", "asc", ["erin", "frank", "dave"]),
        ("unread", "desc", ["dave", "frank", "erin"]),
        ("bogus", "desc", ["dave", "erin", "frank"]),  # unknown: name, ascending
        ("", "", ["dave", "erin", "frank"]),
    ],
)
def test_every_column_sorts_both_ways(
    client: Client, grace, mentees, sort: str, direction: str, order: list[str]
) -> None:
    client.force_login(grace)
    response = client.get(f"/mentor/?sort={sort}&dir={direction}")
    assert [row.username for row in response.context["rows"]] == order
    html = response.content.decode()
    assert html.count("aria-sort=") == 1
    if sort in mentoring_columns():
        expected = "ascending" if direction == "asc" else "descending"
        assert f'aria-sort="{expected}"><a href="?sort={sort}&amp;dir=' in html


def mentoring_columns() -> list[str]:
    from tracker.mentoring.mentor_dashboard import COLUMNS

    return list(COLUMNS)


@pytest.mark.django_db
def test_the_sorted_header_links_to_the_other_direction_with_a_visible_arrow(
    client: Client, grace, mentees
) -> None:
    client.force_login(grace)
    html = client.get("/mentor/?sort=completion&dir=desc").content.decode()
    assert (
        '<th role="columnheader" scope="col" class="col-completion" aria-sort="descending">'
        '<a href="?sort=completion&amp;dir=asc">'
        'Completion<span class="sort-arrow" aria-hidden="true">▼</span></a></th>'
    ) in html
    # Other columns start in their most useful direction, with no arrow.
    assert '<a href="?sort=name&amp;dir=asc">Mentee</a>' in html
    assert '<a href="?sort=unread&amp;dir=desc">Unread replies</a>' in html
    assert "sorted by Completion, descending" in html


@pytest.mark.django_db
def test_track_columns_have_short_labels_with_the_full_names_in_tooltip_and_legend(
    client: Client, grace, mentees
) -> None:
    Track.objects.filter(slug="track-1").update(title="Mathematics and statistics")
    Track.objects.filter(slug="track-2").update(title="Data: collection, cleaning and more")
    forget_catalog()
    client.force_login(grace)
    html = client.get("/mentor/").content.decode()
    assert (
        '<span class="matrix-label" title="Mathematics and statistics">Mathematics</span>' in html
    )
    assert (
        '<span class="matrix-label" title="Data: collection, cleaning and more">Data</span>' in html
    )
    legend = html[html.index('class="matrix-legend') :]
    assert "<b>Mathematics</b>: Mathematics and statistics" in legend


@pytest.mark.django_db
def test_on_a_phone_each_fact_carries_its_own_label(client: Client, grace, mentees) -> None:
    """The phone layout hides the header row, so the cells that are bare numbers or
    times say what they are (CSS shows data-label)."""
    client.force_login(grace)
    html = client.get("/mentor/").content.decode()
    for label in ("Done in 7 days", "Last activity", "Unread replies"):
        assert f'data-label="{label}"' in html


def test_short_titles_fit_a_column_header() -> None:
    assert short_title("Machine-learning algorithms") == "ML algorithms"
    assert short_title("Community and networking") == "Community"
    assert short_title("Soft skills") == "Soft skills"
    assert len(short_title("A" * 60)) <= SHORT_TITLE_LENGTH


@pytest.mark.django_db
def test_a_bad_direction_takes_the_columns_own(client: Client, grace, mentees) -> None:
    client.force_login(grace)
    response = client.get("/mentor/?sort=completion&dir=sideways")
    assert [row.username for row in response.context["rows"]] == [
        "erin",
        "dave",
        "frank",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/mentor/", "/mentor/export.csv"])
def test_anonymous_visitors_are_sent_to_log_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/mentor/", "/mentor/export.csv"])
def test_it_rejects_post(client: Client, grace, url: str) -> None:
    client.force_login(grace)
    assert client.post(url).status_code == 405


# -- the CSV ---------------------------------------------------------------------------------


def read_csv(client: Client, url: str = "/mentor/export.csv") -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mentees.csv"'
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.django_db
def test_the_csv_holds_the_same_rows(client: Client, grace, mentees) -> None:
    client.force_login(grace)
    assert read_csv(client) == [  # fmt: skip
        [
            "username",
            "name",
            "completion %",
            "done",
            "of",
            "done last 7 days",
            "last activity",
            "status",
            "unread replies",
            "path",
            "hours a week",
            "target date",
            "projected finish",
            "weeks behind",
            "Track 1 %",
            "Track 2 %",
        ],
        [
            "dave",
            "Dave Dale",
            "33",
            "2",
            "6",
            "2",
            "2026-11-19",
            "active",
            "2",
            "",
            "",
            "",
            "",
            "",
            "67",
            "0",
        ],
        [
            "erin",
            "Erin Eve",
            "40",
            "2",
            "5",
            "0",
            "2026-11-10",
            "slowing",
            "0",
            "",
            "",
            "",
            "",
            "",
            "33",
            "50",
        ],
        [
            "frank",
            "Frank Fox",
            "17",
            "1",
            "6",
            "0",
            "2026-10-11",
            "stalled",
            "1",
            "",
            "",
            "",
            "",
            "",
            "33",
            "0",
        ],
    ]
    by_completion = read_csv(client, "/mentor/export.csv?sort=completion&dir=desc")
    assert [row[0] for row in by_completion[1:]] == ["erin", "dave", "frank"]


@pytest.mark.django_db
def test_the_csv_of_a_mentor_of_nobody_has_only_the_header(client: Client, alice) -> None:
    client.force_login(alice)
    make_catalog(tracks=1, skills_per_track=1)
    assert len(read_csv(client)) == 1


@pytest.mark.django_db
def test_the_csv_quotes_cells_a_spreadsheet_would_run(client: Client, grace, frozen) -> None:
    make_catalog(tracks=1, skills_per_track=1)
    for username, first in [
        ("@evil", '=HYPERLINK("http://x")'),
        ("+plus", "-2+3"),
        ("-minus", "@SUM(A1)"),
        ("plain", "Ann=Lee"),
    ]:
        Mentorship.objects.create(learner=make_user(username, first_name=first), mentor=grace)
    client.force_login(grace)
    rows = {row[0]: row[1] for row in read_csv(client)[1:]}
    assert rows == {
        "'@evil": '\'=HYPERLINK("http://x")',
        "'+plus": "'-2+3",
        "'-minus": "'@SUM(A1)",
        "plain": "Ann=Lee",  # only the first character matters
    }


# -- queries ---------------------------------------------------------------------------------


def count_queries(client: Client, url: str) -> int:
    """Queries of a page load once the process holds the current catalog (checked for
    changes once a second in production, not on each of the page's reads of it)."""
    client.get(url)
    with override_settings(CATALOG_CHECK_SECONDS=60), CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_mentees(mentor: User, first: int, count: int, skill_ids: list[int]) -> None:
    """`count` mentees with progress, history and replies, in a few bulk inserts."""
    users = User.objects.bulk_create(
        User(username=f"learner{i:04d}", email=f"learner{i}@example.com", password="!")
        for i in range(first, first + count)
    )
    Mentorship.objects.bulk_create(Mentorship(learner=u, mentor=mentor) for u in users)
    progress, events, replies = [], [], []
    for n, user in enumerate(users):
        for k, skill_id in enumerate(skill_ids[: n % len(skill_ids) + 1]):
            status = Status.SKIPPED if k == 3 else Status.DONE
            when = NOW - dt.timedelta(days=n % 30, hours=k)
            progress.append(
                Progress(user=user, skill_id=skill_id, status=status, completed_at=when)
            )
            events.append(
                ProgressEvent(
                    user=user,
                    skill_id=skill_id,
                    from_status=Status.TODO,
                    to_status=status,
                    created_at=when,
                )
            )
        replies.append(
            Feedback(learner=user, mentor=mentor, author=user, skill_id=skill_ids[0], body="Hi")
        )
    Progress.objects.bulk_create(progress)
    ProgressEvent.objects.bulk_create(events)
    Feedback.objects.bulk_create(replies)


@pytest.mark.django_db
def test_the_page_runs_the_same_queries_for_2_and_200_mentees(
    client: Client, grace, frozen
) -> None:
    skill_ids = [s.pk for s in make_catalog(tracks=3, skills_per_track=4)]
    add_mentees(grace, 0, 2, skill_ids)
    client.force_login(grace)
    small = count_queries(client, "/mentor/")
    assert len(client.get("/mentor/").context["rows"]) == 2
    add_mentees(grace, 2, 198, skill_ids)
    large = count_queries(client, "/mentor/")
    assert len(client.get("/mentor/").context["rows"]) == 200
    assert small == large
    assert large <= 10
    assert count_queries(client, "/mentor/export.csv") == large
