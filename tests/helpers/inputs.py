"""Bad input on every state-changing route (tests/test_bad_input.py): each route's valid
request and its bad ones with the answer each must get, and the machinery that sends
them in a savepoint and tells what they wrote. tests/test_security.py sends the valid
ones again without a CSRF token."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client

from tests.helpers import PASSWORD, access, project_fields
from tests.helpers.access import World

Data = dict[str, Any] | Callable[[World], dict[str, Any]] | None
PathFn = Callable[[World], str]

NUL = "\x00"
TEN_KB = "x" * 10_240
JUNK = "Z\u0335\u0321a\u202e\ufeff\u200b\U0001f4a5\U0010fffd\u0663"
BIG_ID = "9" * 30  # far beyond a 64-bit integer
UNKNOWN_ID = 987_654


@dataclass(frozen=True)
class Case:
    label: str
    data: Data = None
    status: int = 400
    path: PathFn | None = None  # default: the route's own path
    method: str = "post"
    headers: dict[str, str] = field(default_factory=dict)
    urlencoded: bool = False
    # CSRF enforced with a valid token, as in production, where CsrfViewMiddleware reads
    # the body of every POST before any view does.
    csrf: bool = False


@dataclass(frozen=True)
class Route:
    valid: Data
    valid_status: int
    cases: list[Case]
    role: str = ""  # default: the first of owner, mentor, other whom ROUTES lets in
    # Fields whose absence HTML itself allows (a checkbox left unticked, an empty
    # multi-select or file input, a redirect target); every other field of the valid
    # request, dropped alone, must be refused with a 400.
    may_omit: frozenset[str] = frozenset({"next"})


def _path(name: str) -> PathFn:
    return access.ROUTES[name][0][1]


def _pk(kind: str) -> Callable[[World], int]:
    return lambda w: w.objects[kind].pk


def _goal(**changes: Any) -> dict[str, Any]:
    """The goal form as a browser sends it; `changes` override (None drops a field)."""
    data = {"sent": "1", "path": "world", "hours_per_week": "8", "target_date": "",
            "time_zone": "Europe/Paris", **changes}  # fmt: skip
    return {k: v for k, v in data.items() if v is not None}


def project_data(**changes: Any) -> dict[str, Any]:
    """A valid project form post with one metric row; `changes` override (None drops)."""
    return project_fields(**changes)


SENT = {"sent": "1"}  # the marker of a form with checkboxes (tracker/formtools.py)


def once() -> dict[str, str]:
    """A create form's one-time key (each attempt is rolled back, so one can be reused)."""
    return {"submission": str(uuid.uuid4())}


NEW_PROJECT = {**project_data(), **SENT, **once()}


def _without_management_forms() -> dict[str, Any]:
    return {k: v for k, v in project_data().items() if "_FORMS" not in k}


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("chart.png", b"<html>not a picture</html>", "image/png")


PROJECT_CASES = [
    Case("nothing at all", {}, 400),
    Case("a 10 KB title", project_data(title=TEN_KB), 200),
    Case("a NUL in the title", project_data(title=f"Digits{NUL}"), 200),
    Case("no summary field", project_data(summary=None), 400),
    Case("an unknown kind", project_data(kind=JUNK), 200),
    Case("an unknown visibility", project_data(visibility="everyone"), 200),
    Case("a skill that is not an id", project_data(skills=["abc"]), 200),
    Case("an unknown skill id", project_data(skills=[str(UNKNOWN_ID)]), 200),
    Case("a skill id beyond 64 bits", project_data(skills=[BIG_ID]), 200),
    Case("an impossible date", project_data(started_on="2024-13-45"), 200),
    # What the import refuses, so an account's own export would not import again.
    Case("a start in the year 1", project_data(started_on="0001-01-01"), 200),
    Case("a finish in the year 9999", project_data(finished_on="9999-12-31"), 200),
    Case("a 50,001-character write-up", project_data(results="r" * 50_001), 200),
    Case(
        "a finish before the start",
        project_data(started_on="2024-05-02", finished_on="2024-05-01"),
        200,
    ),
    Case("a junk data link", project_data(data_url=JUNK), 200),
    Case("a javascript: repository link", project_data(repository_url="javascript:x()"), 200),
    Case("no management forms", _without_management_forms(), 400),
    Case("a row count that is not a number", project_data(**{"metrics-TOTAL_FORMS": "a"}), 200),
    # Django builds at most 20 rows (absolute_max); the other rows did not arrive.
    Case("100,000 metric rows", project_data(**{"metrics-TOTAL_FORMS": "100000"}), 400),
    Case("a metric value that is text", project_data(**{"metrics-0-value": "high"}), 200),
    Case("a metric value of NaN", project_data(**{"metrics-0-value": "nan"}), 200),
    Case("an infinite metric value", project_data(**{"metrics-0-value": "inf"}), 200),
    Case("a metric with no value", project_data(**{"metrics-0-value": ""}), 200),
    Case("an unknown metric split", project_data(**{"metrics-0-split": "dev"}), 200),
    Case(
        "a collaborator with a junk link",
        project_data(
            **{
                "collaborators-TOTAL_FORMS": "1",
                "collaborators-0-id": "",
                "collaborators-0-name": "Ada",
                "collaborators-0-url": JUNK,
            }
        ),
        200,
    ),
    Case(
        "an image that is not one",
        lambda w: project_data(image_1=not_an_image(), image_1_caption="A chart"),
        200,
    ),
    Case("an image without a caption", lambda w: project_data(image_1=not_an_image()), 200),
    Case("a 10 KB caption", project_data(image_2_caption=TEN_KB), 200),
    Case("a metric row without its fields", project_data(**{"metrics-TOTAL_FORMS": "2"}), 400),
]


def _with(data: Data, **more: str) -> Data:
    """A case's data with the hidden fields a browser sends; nothing at all stays nothing."""
    if callable(data):
        return lambda w: {**data(w), **more}
    return {**data, **more} if data else data


PROFILE = {
    "first_name": "Olivia",
    "last_name": "",
    "headline": "Aspiring ML engineer",
    "bio": "",
    "github_url": "https://github.com/o",
    "linkedin_url": "",
    "kaggle_url": "",
    "website_url": "",
    "show_progress": "on",
    **SENT,
}


def _own_export(w: World) -> dict[str, Any]:
    """The owner's own export file, as the import page expects it."""
    client = Client()
    client.force_login(w.users["owner"])
    body = client.get("/account/export.json").content
    return {"file": SimpleUploadedFile("gradient-export.json", body, "application/json")}


def _upload(content: bytes, name: str = "export.json") -> Callable[[World], dict[str, Any]]:
    return lambda w: {
        "file": SimpleUploadedFile(name, content, "application/json"),
        **SENT,
        **once(),
    }


def _feedback_path(pk: Any) -> PathFn:
    return lambda w: f"/feedback/{pk(w) if callable(pk) else pk}/reply/"


def _mentorship_path(action: str, pk: Any) -> PathFn:
    return lambda w: f"/mentors/{pk(w) if callable(pk) else pk}/{action}/"


def _revoked_mentorship(w: World) -> int:
    return w.users["owner"].mentorships.get(mentor=w.users["revoked_mentor"]).pk


def _image_delete(project: str, image: str) -> PathFn:
    def path(w: World) -> str:
        p = w.objects["projects"][project].pk if project in w.objects["projects"] else project
        i = w.objects["images"][image].pk if image in w.objects["images"] else image
        return f"/projects/{p}/images/{i}/delete/"

    return path


def _project_path(pk: Any, suffix: str) -> PathFn:
    return lambda w: f"/projects/{pk}/{suffix}"


def _tampered(path: PathFn) -> PathFn:
    """The same invite link with the token's last character changed."""

    def tampered(w: World) -> str:
        token = path(w).rstrip("/").rsplit("/", 1)[1]
        return f"/mentors/accept/{token[:-1]}{'B' if token.endswith('A') else 'A'}/"

    return tampered


SPEC: dict[str, Route] = {
    "tracker:progress": Route(
        valid={"status": "learning"},
        valid_status=303,
        cases=[
            Case("no status", {}),
            Case("an empty list of statuses", {"status": []}),
            Case("an unknown status", {"status": "finished"}),
            Case("two statuses, the last unknown", {"status": ["done", "bogus"]}),
            Case("a 10 KB status", {"status": TEN_KB}),
            Case("unicode junk", {"status": JUNK}),
            Case("a NUL byte", {"status": f"done{NUL}"}),
            Case("junk over htmx", {"status": JUNK}, headers={"HTTP_HX_REQUEST": "true"}),
            Case("an unknown skill", {"status": "done"}, 404, lambda w: "/progress/nope/"),
        ],
    ),
    "tracker:note": Route(
        valid={"note": "Eigenvectors, again."},
        valid_status=303,
        cases=[
            Case("no note field", {}, 400),
            Case("a note over 20,000 characters", {"note": "x" * 20_001}, 200),
            Case("a NUL byte", {"note": f"a{NUL}b"}, 200),
            Case("an unknown skill", {"note": "x"}, 404, lambda w: "/progress/nope/note/"),
        ],
    ),
    "tracker:link-add": Route(
        valid={"title": "Strang's lectures", "url": "https://ocw.mit.edu/", **once()},
        valid_status=303,
        cases=[
            Case("nothing", {}, 400),
            Case("a 10 KB title", {"title": TEN_KB, "url": "https://x.org", **once()}, 200),
            Case("a NUL in the title", {"title": f"a{NUL}", "url": "https://x.org", **once()}, 200),
            Case("not a URL", {"title": "t", "url": "not a url", **once()}, 200),
            Case("a javascript: URL", {"title": "t", "url": "javascript:alert(1)", **once()}, 200),
            Case("unicode junk as the URL", {"title": "t", "url": JUNK, **once()}, 200),
            Case("a 10 KB URL", {"title": "t", "url": f"https://x.org/{TEN_KB}", **once()}, 200),
            Case("a malformed key", {"title": "t", "url": "https://x.org", "submission": JUNK}),
            Case(
                "an unknown skill",
                {"title": "t", "url": "https://x.org", **once()},
                404,
                lambda w: "/progress/nope/links/",
            ),
        ],
    ),
    "tracker:link-delete": Route(
        valid={},
        valid_status=303,
        cases=[
            Case(
                "an unknown link",
                {},
                404,
                lambda w: f"/progress/skill-1-1/links/{UNKNOWN_ID}/delete/",
            ),
            Case(
                "a link id beyond 64 bits",
                {},
                404,
                lambda w: f"/progress/skill-1-1/links/{BIG_ID}/delete/",
            ),
            Case(
                "the link under another skill",
                {},
                404,
                lambda w: f"/progress/skill-1-2/links/{w.objects['link'].pk}/delete/",
            ),
            Case(
                "an unknown skill",
                {},
                404,
                lambda w: f"/progress/nope/links/{w.objects['link'].pk}/delete/",
            ),
        ],
    ),
    "tracker:goal": Route(
        valid=_goal(),
        valid_status=303,
        # A browser sends no radio when none is picked: the form says so (200).
        may_omit=frozenset({"next", "path"}),
        cases=[
            Case("no path chosen", _goal(path=None), 200),
            Case("no hours", _goal(hours_per_week=""), 200),
            Case("0 hours", _goal(hours_per_week="0"), 200),
            Case("61 hours", _goal(hours_per_week="61"), 200),
            Case("hours in words", _goal(hours_per_week="eight"), 200),
            Case("an unknown path", _goal(path="astronaut"), 200),
            Case("an unknown time zone", _goal(time_zone="Mars/Olympus"), 200),
            Case("a date in the past", _goal(target_date="2001-01-01"), 200),
            Case("a malformed date", _goal(target_date="31/02/2027"), 200),
            Case("unicode junk", _goal(path=JUNK, hours_per_week=JUNK, time_zone=JUNK), 200),
        ],
    ),
    "tracker:goal-known": Route(
        valid={"skill": "skill-1-2"},
        valid_status=303,
        # Nothing ticked is what a browser sends for an untouched list: the page says so.
        may_omit=frozenset({"skill"}),
        cases=[
            Case("nothing ticked", {}, 200),
            Case("a skill of no path", {"skill": "nope"}),
            Case("a skill twice and one unknown", {"skill": ["skill-1-2", "skill-1-2", "x"]}),
            Case("stage 0", {"stage": "0"}),
            Case("stage 2 of 1", {"stage": "2"}),
            Case("stage in words", {"stage": "one"}),
            Case("a negative stage", {"stage": "-1"}),
            Case("a superscript two", {"stage": "²"}),
            Case("an Arabic-Indic one", {"stage": "١"}),
            Case("unicode junk", {"skill": JUNK, "stage": JUNK}),
            Case("a 10 KB value", {"skill": TEN_KB}),
        ],
    ),
    "tracker:resource-used": Route(
        valid={"used": "1"},
        valid_status=303,
        cases=[
            Case("no used field", {}),
            Case("an empty used", {"used": ""}),
            Case("used=yes", {"used": "yes"}),
            Case("a 10 KB value", {"used": TEN_KB}),
            Case("unicode junk", {"used": JUNK}),
            Case("junk over htmx", {"used": JUNK}, headers={"HTTP_HX_REQUEST": "true"}),
            Case(
                "an unknown resource",
                {"used": "1"},
                404,
                lambda w: f"/progress/skill-1-1/resources/{UNKNOWN_ID}/",
            ),
            Case(
                "a resource id beyond 64 bits",
                {"used": "1"},
                404,
                lambda w: f"/progress/skill-1-1/resources/{BIG_ID}/",
            ),
            Case(
                "the resource under another skill",
                {"used": "1"},
                404,
                lambda w: f"/progress/skill-1-2/resources/{w.objects['resource'].pk}/",
            ),
            Case(
                "an unknown skill",
                {"used": "1"},
                404,
                lambda w: f"/progress/nope/resources/{w.objects['resource'].pk}/",
            ),
        ],
    ),  # fmt: skip
    "tracker:evidence": Route(
        valid=lambda w: {"project": w.objects["projects"]["private"].pk},
        valid_status=302,
        cases=[
            Case("no project", {}),
            Case("a project that is not an id", {"project": "abc"}),
            Case("an empty list of projects", {"project": []}),
            Case("a decimal id", {"project": "1.5"}),
            Case("10 KB of digits", {"project": "1" * 10_240}),
            Case("a NUL byte", {"project": f"1{NUL}"}),
            Case("unicode junk", {"project": JUNK}),
            Case("a superscript digit", {"project": "\u00b2"}),
            Case("an id beyond 64 bits", {"project": BIG_ID}, 404),
            Case("a negative id", {"project": "-1"}, 404),
            Case("an unknown project", {"project": str(UNKNOWN_ID)}, 404),
            Case(
                "an unknown skill",
                lambda w: {"project": w.objects["projects"]["private"].pk},
                404,
                lambda w: "/progress/nope/evidence/",
            ),
        ],
    ),
    "tracker:project-new": Route(
        valid=NEW_PROJECT,
        valid_status=302,
        cases=[
            *[Case(c.label, _with(c.data, **SENT, **once()), c.status) for c in PROJECT_CASES],
            Case("a malformed key", {**NEW_PROJECT, "submission": "0"}),
        ],
        may_omit=frozenset({"next", "skills", "image_1", "image_2"}),
    ),
    "tracker:project-edit": Route(
        valid={**project_data(), **SENT},
        valid_status=302,
        may_omit=frozenset({"next", "skills", "image_1", "image_2"}),
        cases=[
            *[Case(c.label, _with(c.data, **SENT), c.status) for c in PROJECT_CASES],
            Case("an unknown project", project_data(), 404, _project_path(UNKNOWN_ID, "edit/")),
            Case("a project id that is text", project_data(), 404, _project_path("abc", "edit/")),
        ],
    ),
    "tracker:project-delete": Route(
        valid={},
        valid_status=302,
        cases=[
            Case("an unknown project", {}, 404, _project_path(UNKNOWN_ID, "delete/")),
            Case("a project id beyond 64 bits", {}, 404, _project_path(BIG_ID, "delete/")),
        ],
    ),
    "tracker:project-image-delete": Route(
        valid={},
        valid_status=302,
        cases=[
            Case("an unknown image", {}, 404, _image_delete("mentors", str(UNKNOWN_ID))),
            Case("another project's image", {}, 404, _image_delete("mentors", "public")),
            Case("an unknown project", {}, 404, _image_delete(str(UNKNOWN_ID), "mentors")),
        ],
    ),
    "tracker:profile": Route(
        valid=PROFILE,
        valid_status=302,
        may_omit=frozenset({"show_progress"}),
        cases=[
            Case("no fields at all", {}, 400),
            Case("only the marker", SENT, 400),
            Case("a junk GitHub link", {**PROFILE, "github_url": JUNK}, 200),
            Case("a javascript: site link", {**PROFILE, "website_url": "javascript:alert(1)"}, 200),
            Case("a bio over 2,000 characters", {**PROFILE, "bio": "x" * 2001}, 200),
            Case("a 10 KB headline", {**PROFILE, "headline": TEN_KB}, 200),
            Case("a NUL in the headline", {**PROFILE, "headline": f"a{NUL}"}, 200),
        ],
    ),
    "tracker:account-import": Route(
        valid=_with(_own_export, **SENT, **once()),
        valid_status=302,
        may_omit=frozenset({"file"}),  # an empty file input: "choose a file"
        cases=[
            Case("nothing, not even the marker", {}),
            Case("no file", {**SENT, **once()}, 200),
            Case("the file as a text field", {"file": '{"format": "x"}', **SENT, **once()}, 200),
            Case("a file that is not JSON", _upload(b"name,status\nx,done\n"), 200),
            Case("JSON of the wrong shape", _upload(b'{"format": "something-else"}'), 200),
            Case("a JSON list", _upload(b"[1, 2, 3]"), 200),
            Case("binary junk with NUL bytes", _upload(bytes(range(256)) * 4), 200),
            Case("invalid UTF-8", _upload(b'{"format": "\xff\xfe"}'), 200),
            Case("an empty file", _upload(b""), 200),
            Case("deeply nested JSON", _upload(b"[" * 100_000 + b"]" * 100_000), 200),
        ],
    ),
    "tracker:account-delete": Route(
        valid={"password": PASSWORD},
        valid_status=302,
        cases=[
            Case("no password", {}, 400),
            Case("a wrong password", {"password": "not-the-password"}, 200),
            Case("a 10 KB password", {"password": TEN_KB}, 200),
            Case("a NUL byte", {"password": f"{PASSWORD}{NUL}"}, 200),
            Case("two passwords, the last wrong", {"password": [PASSWORD, "nope"]}, 200),
        ],
    ),
    "tracker:invite-new": Route(
        valid=once(),
        valid_status=302,
        cases=[Case("no key", {}), Case("a malformed key", {"submission": TEN_KB})],
    ),
    "tracker:invite-send": Route(
        valid={"to": "someone@example.org", **once()},
        valid_status=303,
        cases=[
            Case("a blank name", {"to": "  ", **once()}, 303),
            Case("neither a name nor an address", {"to": "two words", **once()}, 303),
            Case("a broken address", {"to": "a@", **once()}, 303),
            Case("a 10 KB name", {"to": TEN_KB, **once()}, 303),
            Case("unicode junk", {"to": JUNK, **once()}, 303),
            Case("a NUL byte", {"to": f"x{NUL}@example.org", **once()}, 303),
            Case("a malformed key", {"to": "a@example.org", "submission": JUNK}),
        ],
    ),
    "tracker:unsubscribe": Route(
        valid={"List-Unsubscribe": "One-Click"},
        valid_status=200,
        cases=[
            Case("nothing", {}),
            Case("another value", {"List-Unsubscribe": "yes"}),
            Case("an unknown action", {"action": JUNK}),
            Case("a 10 KB value", {"List-Unsubscribe": TEN_KB}),
            Case(
                "a forged token",
                {"List-Unsubscribe": "One-Click"},
                404,
                lambda w: "/mail/unsubscribe/eyJrIjoiZmVlZGJhY2siLCJ1IjoxfQ:1:forged/",
            ),
            Case(
                "a 10 KB token",
                {"List-Unsubscribe": "One-Click"},
                404,
                lambda w: f"/mail/unsubscribe/{TEN_KB}/",
            ),
        ],
    ),
    "tracker:invite-revoke": Route(
        valid={},
        valid_status=302,
        cases=[
            Case("an unknown invite", {}, 404, lambda w: f"/mentors/invites/{UNKNOWN_ID}/revoke/"),
        ],
    ),
    "tracker:invite-accept": Route(
        valid={"decision": "accept"},
        valid_status=302,
        role="other",
        cases=[
            Case("no decision", {}),
            Case("an unknown decision", {"decision": JUNK}),
            Case("a 10 KB decision", {"decision": TEN_KB}),
            Case(
                "a junk token",
                {"decision": "accept"},
                410,
                lambda w: "/mentors/accept/not-a-token/",
            ),
            Case(
                "a tampered token",
                {"decision": "accept"},
                410,
                _tampered(_path("tracker:invite-accept")),
            ),
            Case(
                "a 10 KB token",
                {"decision": "accept"},
                410,
                lambda w: f"/mentors/accept/{TEN_KB}/",
            ),
        ],
    ),
    "tracker:mentorship-revoke": Route(
        valid={},
        valid_status=302,
        cases=[
            Case("an unknown mentorship", {}, 404, _mentorship_path("revoke", UNKNOWN_ID)),
            Case("one already revoked", {}, 302, _mentorship_path("revoke", _revoked_mentorship)),
        ],
    ),
    "tracker:mentorship-sharing": Route(
        valid={**SENT, "share_notes": "on"},
        valid_status=302,
        may_omit=frozenset({"share_notes"}),
        cases=[
            Case("nothing, not even the marker", {}),
            Case("a junk value", {**SENT, "share_notes": JUNK}),
            Case("an unknown mentorship", SENT, 404, _mentorship_path("sharing", UNKNOWN_ID)),
            Case(
                "a revoked mentorship",
                {**SENT, "share_notes": "on"},
                404,
                _mentorship_path("sharing", _revoked_mentorship),
            ),
        ],
    ),
    "tracker:feedback-reply": Route(
        valid={"body": "Thanks, fixed the split.", **once()},
        valid_status=303,
        cases=[
            Case("no body", once()),
            Case("a blank body", {"body": "   \n ", **once()}, 303),
            Case("a body over 5,000 characters", {"body": "x" * 5001, **once()}, 303),
            Case("an unknown thread", {"body": "hi", **once()}, 404, _feedback_path(UNKNOWN_ID)),
            Case("a NUL byte", {"body": f"hi{NUL}", **once()}, 303),
        ],
    ),
    "tracker:mentee-feedback": Route(
        valid={"skill": "skill-1-1", "body": "Nice work.", **once()},
        valid_status=303,
        role="mentor",
        cases=[
            Case("nothing", {}),
            Case("an unknown skill", {"skill": "nope", "body": "b", **once()}, 303),
            Case("no body", {"skill": "skill-1-1", **once()}),
            Case(
                "a body over 5,000 characters",
                {"skill": "skill-1-1", "body": "x" * 5001, **once()},
                303,
            ),
            Case("a project that is not an id", {"project": "abc", "body": "b", **once()}, 404),
            Case("an unknown project", {"project": str(UNKNOWN_ID), "body": "b", **once()}, 404),
            Case("a project id beyond 64 bits", {"project": BIG_ID, "body": "b", **once()}, 404),
            Case(
                "the learner's private project",
                lambda w: {"project": w.objects["projects"]["private"].pk, "body": "b", **once()},
                404,
            ),
            Case(
                "an unknown learner",
                {"skill": "skill-1-1", "body": "b", **once()},
                404,
                lambda w: "/mentor/nobody/feedback/",
            ),
            Case(
                "a superscript digit as the project",
                {"project": "\u00b2", "body": "b", **once()},
                404,
            ),
            Case("a NUL byte", {"skill": "skill-1-1", "body": f"b{NUL}", **once()}, 303),
        ],
    ),
    "tracker:mentee-verify": Route(
        valid={"comment": "Saw it in the MNIST project."},
        valid_status=303,
        role="mentor",
        cases=[
            Case("an unknown skill", {"comment": ""}, 404, lambda w: "/mentor/olivia/verify/nope/"),
            Case(
                "a skill not marked done",
                {"comment": ""},
                303,
                lambda w: "/mentor/olivia/verify/skill-1-2/",
            ),
            Case(
                "an unknown learner",
                {"comment": ""},
                404,
                lambda w: "/mentor/nobody/verify/skill-1-1/",
            ),
            Case("a comment over 2,000 characters", {"comment": "x" * 2001}, 200),
            Case("a NUL byte", {"comment": f"a{NUL}b"}, 200),
            Case("two comments", {"comment": ["a", TEN_KB]}, 200),
            Case(
                "junk over htmx",
                {"comment": TEN_KB},
                headers={"HTTP_HX_REQUEST": "true"},
                status=200,
            ),
        ],
    ),
    "tracker:mentee-unverify": Route(
        valid={},
        valid_status=303,
        role="mentor",
        cases=[
            Case("an unknown skill", {}, 404, lambda w: "/mentor/olivia/unverify/nope/"),
            Case(
                "a skill nobody verified",
                {},
                303,
                lambda w: "/mentor/olivia/unverify/skill-1-2/",
            ),
            Case("an unknown learner", {}, 404, lambda w: "/mentor/nobody/unverify/skill-1-1/"),
        ],
    ),
    "tracker:mentee-note": Route(
        valid={"body": "Check in on Friday."},
        valid_status=302,
        role="mentor",
        cases=[
            Case("a note over 20,000 characters", {"body": "x" * 20_001}, 302),
            Case("an unknown learner", {"body": "n"}, 404, lambda w: "/mentor/nobody/notes/"),
            Case("no body field (it would erase the notes)", {}),
            Case("a NUL byte", {"body": f"n{NUL}"}, 302),
        ],
    ),
    "tracker:track-reset": Route(
        valid={},
        valid_status=302,
        cases=[Case("an unknown track", {}, 404, lambda w: "/dashboard/reset/nope/")],
    ),
}

LIMIT = django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def dropped_field_cases(w: World, name: str) -> list[Case]:
    """The valid request without each of its fields in turn: a broken client, refused
    with a 400, never read as an empty value (an empty value is a choice; an absent
    field is not)."""
    route = SPEC[name]
    valid = (route.valid(w) if callable(route.valid) else route.valid) or {}
    return [
        Case(f"the valid request without {field}", {k: v for k, v in valid.items() if k != field})
        for field in valid
        if field not in route.may_omit
    ]


def generic_cases(name: str) -> list[Case]:
    cases = [
        Case("an oversize form body", {"note": "x" * (LIMIT + 1)}, 400, csrf=True),
        Case(
            "an oversize urlencoded body",
            {"note": "x" * (LIMIT + 1)},
            400,
            csrf=True,
            urlencoded=True,
        ),
        Case(
            "too many fields",
            {f"f{i}": "x" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)},
            400,
            csrf=True,
        ),
        Case("PUT", None, 405, method="put"),
        Case("DELETE", None, 405, method="delete"),
    ]
    if access.ROUTES[name][0][0] == "post":  # listed as POST only
        cases.append(Case("GET", None, 405, method="get"))
    return cases


# -- running requests ------------------------------------------------------------------------


def entitled_role(name: str) -> str:
    """Who may use the route: SPEC's choice, else the first whom ROUTES lets in."""
    if name in SPEC and SPEC[name].role:
        return SPEC[name].role
    expected = access.ROUTES[name][0][3]
    return next(r for r in ("owner", "mentor", "other", "staff") if expected[r] < 400)


def signed_in(w: World, role: str, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(w.users[role])
    return client


def prepare(w: World, name: str, case: Case, role: str) -> Callable[[], HttpResponse]:
    """Everything but the request itself, which the returned function sends.

    Signing in writes (the user's last_login), so it happens here, before the snapshot.
    """
    client = signed_in(w, role, csrf=case.csrf)
    headers = dict(case.headers)
    if case.csrf:
        client.get("/catalog/")  # sets the CSRF cookie; the header carries the same secret
        headers["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    path = (case.path or _path(name))(w)
    data = (case.data(w) if callable(case.data) else case.data) or {}
    if case.method in ("put", "delete"):
        return lambda: client.generic(case.method.upper(), path, **headers)
    if case.method == "get":
        return lambda: client.get(path, **headers)
    if case.urlencoded:
        body = urlencode(data, doseq=True)
        kind = "application/x-www-form-urlencoded"
        return lambda: client.post(path, body, content_type=kind, **headers)
    return lambda: client.post(path, data, **headers)


def attempt(w: World, name: str, case: Case) -> tuple[HttpResponse, list[str]]:
    """Send `case` in a savepoint that is rolled back; the answer and what it wrote."""
    with transaction.atomic():
        request = prepare(w, name, case, entitled_role(name))
        before = snapshot()
        response = request()
        wrote = changed_tables(before, snapshot())
        transaction.set_rollback(True)
    return response, wrote


TRACKED_MODELS = [
    model
    for app in ("tracker", "catalog")
    for model in apps.get_app_config(app).get_models(include_auto_created=True)
]


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every tracker and catalog table (many-to-many tables included), the
    primary key first. Plain SQL: the ORM would make this the slowest part of the test.
    (The names in the SQL come from the models, never from input.)"""
    quote = connection.ops.quote_name
    tables = {}
    with connection.cursor() as cursor:
        for model in TRACKED_MODELS:
            table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
            columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields)
            cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {pk}")
            tables[model._meta.label] = cursor.fetchall()
    return tables


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def state_changing_routes(w: World) -> set[str]:
    """Routes in ROUTES that take a POST from the user entitled to them (not a 405)."""
    found = set()
    for name, entries in access.ROUTES.items():
        path = entries[0][1]
        try:
            role = entitled_role(name)
        except StopIteration:
            continue
        with transaction.atomic():
            response = signed_in(w, role).post(path(w), {})
            transaction.set_rollback(True)
        if response.status_code != 405:
            found.add(name)
    return found


def body_of(response: HttpResponse) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")
