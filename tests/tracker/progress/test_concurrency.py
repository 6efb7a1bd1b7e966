"""Double clicks arrive together: against a live multi-threaded server and a real database
(a file for SQLite), concurrent posts for one skill leave one row, a consistent history,
and no error."""

import threading
from contextlib import closing

import httpx
import pytest
from django.test import Client

from tests.helpers import make_catalog, make_user
from tracker.models import Progress, ProgressEvent

pytestmark = pytest.mark.slow  # a live server


def signed_in_client(live_server, username: str) -> httpx.Client:
    user = make_user(username)
    django_client = Client()
    django_client.force_login(user)
    http = httpx.Client(base_url=live_server.url, timeout=30)
    http.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    http.get("/catalog/track-1/")  # sets the CSRF cookie
    return http


def post_together(http: httpx.Client, statuses: list[str]) -> list[int]:
    barrier = threading.Barrier(len(statuses))
    codes: list[int] = [0] * len(statuses)
    token = http.cookies["csrftoken"]

    def post(i: int, status: str) -> None:
        barrier.wait()
        response = http.post(
            "/progress/skill-1-1/",
            data={"status": status},
            headers={"HX-Request": "true", "X-CSRFToken": token},
        )
        codes[i] = response.status_code

    threads = [threading.Thread(target=post, args=(i, s)) for i, s in enumerate(statuses)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_posts_make_one_row_and_one_event(live_server) -> None:
    make_catalog(tracks=1, skills_per_track=2)
    with closing(signed_in_client(live_server, "alice")) as http:
        codes = post_together(http, ["done"] * 12)
    assert codes == [200] * 12
    assert Progress.objects.count() == 1
    assert Progress.objects.get().status == "done"
    assert list(ProgressEvent.objects.values_list("from_status", "to_status")) == [("todo", "done")]


@pytest.mark.django_db(transaction=True)
def test_concurrent_mixed_posts_keep_a_consistent_history(live_server) -> None:
    make_catalog(tracks=1, skills_per_track=2)
    with closing(signed_in_client(live_server, "alice")) as http:
        codes = post_together(http, ["learning", "done", "skipped", "done"] * 3)
    assert codes == [200] * 12
    assert Progress.objects.count() == 1
    events = list(ProgressEvent.objects.order_by("id").values_list("from_status", "to_status"))
    # Each change starts where the one before it ended, and the last is where the row is.
    assert events[0][0] == "todo"
    assert all(a[1] == b[0] for a, b in zip(events, events[1:], strict=False))
    assert events[-1][1] == Progress.objects.get().status
