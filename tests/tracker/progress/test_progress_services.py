"""Status changes: timestamps follow the status, every change is an event, nothing else is."""

import datetime as dt

import pytest
import time_machine

from catalog.models import Skill
from tracker.models import Progress, ProgressEvent, Status
from tracker.progress.services import progress_reset_track, progress_save_note, progress_set_status

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


@pytest.fixture
def skill(catalog) -> Skill:
    return catalog[0]


def events(user) -> list[tuple[str, str]]:
    return [
        (e.from_status, e.to_status) for e in ProgressEvent.objects.filter(user=user).order_by("id")
    ]


@pytest.mark.django_db
def test_learning_sets_started_at_and_records_an_event(alice, skill) -> None:
    progress, changed = progress_set_status(
        user=alice, skill_id=skill.pk, status="learning", now=at(0)
    )
    assert changed
    assert (progress.status, progress.started_at, progress.completed_at) == (
        "learning",
        at(0),
        None,
    )
    assert events(alice) == [("todo", "learning")]


@pytest.mark.django_db
def test_done_sets_completed_at_and_keeps_the_start(alice, skill) -> None:
    progress_set_status(user=alice, skill_id=skill.pk, status="learning", now=at(0))
    progress, _ = progress_set_status(user=alice, skill_id=skill.pk, status="done", now=at(3))
    assert (progress.started_at, progress.completed_at) == (at(0), at(3))


@pytest.mark.django_db
def test_done_straight_away_is_started_and_completed_at_once(alice, skill) -> None:
    progress, _ = progress_set_status(user=alice, skill_id=skill.pk, status="done", now=at(1))
    assert (progress.started_at, progress.completed_at) == (at(1), at(1))
    assert events(alice) == [("todo", "done")]


@pytest.mark.django_db
def test_dates_follow_the_status_back(alice, skill) -> None:
    progress_set_status(user=alice, skill_id=skill.pk, status="learning", now=at(0))
    progress_set_status(user=alice, skill_id=skill.pk, status="done", now=at(2))
    progress, _ = progress_set_status(user=alice, skill_id=skill.pk, status="learning", now=at(4))
    assert (progress.started_at, progress.completed_at) == (at(0), None)
    progress, _ = progress_set_status(user=alice, skill_id=skill.pk, status="skipped", now=at(5))
    assert (progress.status, progress.started_at, progress.completed_at) == ("skipped", at(0), None)
    progress, _ = progress_set_status(user=alice, skill_id=skill.pk, status="todo", now=at(6))
    assert (progress.started_at, progress.completed_at) == (None, None)
    assert events(alice) == [
        ("todo", "learning"),
        ("learning", "done"),
        ("done", "learning"),
        ("learning", "skipped"),
        ("skipped", "todo"),
    ]
    assert [e.created_at for e in ProgressEvent.objects.order_by("id")] == [
        at(0), at(2), at(4), at(5), at(6)
    ]  # fmt: skip


@pytest.mark.django_db
def test_moving_off_done_drops_a_verification(alice, bob, skill) -> None:
    progress, _ = progress_set_status(user=alice, skill_id=skill.pk, status="done", now=at(0))
    Progress.objects.filter(pk=progress.pk).update(verified_by=bob, verified_at=at(1))
    progress, _ = progress_set_status(user=alice, skill_id=skill.pk, status="learning", now=at(2))
    assert (progress.verified_by, progress.verified_at) == (None, None)


@pytest.mark.django_db
def test_the_same_status_again_changes_nothing(alice, skill) -> None:
    with time_machine.travel(at(0), tick=False):
        progress_set_status(user=alice, skill_id=skill.pk, status="learning")
    with time_machine.travel(at(1), tick=False):
        progress, changed = progress_set_status(user=alice, skill_id=skill.pk, status="learning")
    assert not changed
    assert progress.started_at == at(0)
    assert Progress.objects.get().updated_at == at(0)
    assert len(events(alice)) == 1


@pytest.mark.django_db
def test_to_do_on_an_untouched_skill_writes_nothing(alice, skill) -> None:
    progress, changed = progress_set_status(user=alice, skill_id=skill.pk, status="todo")
    assert (progress, changed) == (None, False)
    assert not Progress.objects.exists()
    assert not ProgressEvent.objects.exists()


@pytest.mark.django_db
def test_an_unknown_status_is_refused(alice, skill) -> None:
    with pytest.raises(ValueError):
        progress_set_status(user=alice, skill_id=skill.pk, status="finished")
    assert not Progress.objects.exists()


@pytest.mark.django_db
def test_reset_moves_one_track_back_and_records_it(alice, bob, catalog) -> None:
    t1 = [s for s in catalog if s.track.slug == "track-1"]
    t2 = [s for s in catalog if s.track.slug == "track-2"]
    progress_set_status(user=alice, skill_id=t1[0].pk, status="done", now=at(0))
    progress_set_status(user=alice, skill_id=t1[1].pk, status="learning", now=at(0))
    progress_set_status(user=alice, skill_id=t2[0].pk, status="done", now=at(0))
    progress_set_status(user=bob, skill_id=t1[0].pk, status="done", now=at(0))
    progress_save_note(user=alice, skill_id=t1[0].pk, note="keep me")

    n = progress_reset_track(user=alice, track_id=t1[0].track_id, now=at(1))

    assert n == 2
    mine = {p.skill_id: p for p in Progress.objects.filter(user=alice)}
    assert mine[t1[0].pk].status == mine[t1[1].pk].status == Status.TODO
    assert mine[t1[0].pk].completed_at is None
    assert mine[t1[0].pk].note == "keep me"
    assert mine[t2[0].pk].status == Status.DONE  # another track: untouched
    assert Progress.objects.get(user=bob).status == Status.DONE  # another user: untouched
    resets = ProgressEvent.objects.filter(user=alice, created_at=at(1))
    assert sorted(resets.values_list("from_status", "to_status")) == [
        ("done", "todo"),
        ("learning", "todo"),
    ]
