"""The access table (DESIGN.md's "who may see what"): the cast that walks every route,
what each of them owns, and the answer each role must get on each route."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image

from catalog.models import LearningPath, PathStep
from tests.helpers import make_catalog, make_user
from tracker.mail import unsubscribe_token
from tracker.mentoring.services import (
    invite_create,
    invite_token,
    mentor_note_save,
    progress_verify,
)
from tracker.models import Feedback, Mentorship, Project, ProjectImage, SkillLink
from tracker.portfolio.images import process_image
from tracker.progress.services import goal_set, progress_save_note, progress_set_status

ROLES = ["anonymous", "owner", "mentor", "revoked_mentor", "other_mentor", "other", "staff"]
CANARY = "CANARY-7f3a"  # written into everything private the owner has


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)


def image_for(project: Project) -> ProjectImage:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buffer, "PNG")
    processed = process_image(SimpleUploadedFile("a.png", buffer.getvalue()))
    image = ProjectImage(project=project, width=20, height=10)
    image.image.save(processed.content.name, processed.content, save=False)
    image.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
    image.save()
    return image


def build_world() -> World:
    """The access table's cast (a learner, her mentor, a revoked one, another learner's
    mentor, a stranger, staff) and everything the learner owns, private and shared."""
    w = World()
    skills = make_catalog(tracks=1, skills_per_track=2)
    skill = skills[0]
    path = LearningPath.objects.create(slug="world", title="World", summary="S.", suits="All.")
    PathStep.objects.create(path=path, skill=skill, stage="One", order=1)
    PathStep.objects.create(path=path, skill=skills[1], stage="One", order=2)
    u = w.users
    u["owner"] = make_user("olivia")
    u["mentor"] = make_user("mia")
    u["revoked_mentor"] = make_user("rex")
    u["other_mentor"] = make_user("sam")
    u["other"] = make_user("otto")
    u["staff"] = make_user("stan", is_staff=True, is_superuser=True)
    someone = make_user("someone")
    owner = u["owner"]
    Mentorship.objects.create(learner=owner, mentor=u["mentor"])
    Mentorship.objects.create(learner=owner, mentor=u["revoked_mentor"], state="revoked")
    Mentorship.objects.create(learner=someone, mentor=u["other_mentor"])
    progress_set_status(user=owner, skill_id=skill.pk, status="done")
    goal_set(user=owner, path_id=path.pk, hours_per_week=5, target_date=None, time_zone="")
    progress_save_note(user=owner, skill_id=skill.pk, note=f"note {CANARY}")
    link = SkillLink.objects.create(
        user=owner, skill=skill, title=f"link {CANARY}", url="https://e.org"
    )
    projects = {
        v: Project.objects.create(
            owner=owner,
            title=f"{v} project",
            summary=f"{CANARY} {v}" if v != "public" else "public summary",
            visibility=v,
        )
        for v in ("private", "mentors", "public")
    }
    images = {v: image_for(p) for v, p in projects.items()}
    feedback = Feedback.objects.create(
        learner=owner,
        mentor=u["mentor"],
        author=u["mentor"],
        project=projects["mentors"],
        body=f"feedback {CANARY}",
    )
    mentor_note_save(mentor=u["mentor"], learner=owner, body=f"mentor note {CANARY}")
    progress_verify(mentor=u["mentor"], learner=owner, skill_id=skill.pk, comment="Seen it.")
    invite = invite_create(learner=owner)
    w.objects = {
        "skill": skill,
        "resource": skill.resources.get(),
        "link": link,
        "projects": projects,
        "images": images,
        "feedback": feedback,
        "invite": invite,
        "mentorship": Mentorship.objects.get(mentor=u["mentor"]),
        "track": skill.track,
    }
    return w


def everyone(status: int, **exceptions: int) -> dict[str, int]:
    return {role: exceptions.get(role, status) for role in ROLES}


LOGIN = 302  # anonymous visitors are sent to the login page
SIGNED_IN_OWN = everyone(200, anonymous=LOGIN)  # pages about the signed-in user themselves
OWNER_ONLY = everyone(404, anonymous=LOGIN, owner=200)
OWNER_ONLY_POST = everyone(404, anonymous=LOGIN, owner=303)
MENTOR_ONLY = everyone(404, anonymous=LOGIN, mentor=200)
MENTOR_ONLY_POST = everyone(404, anonymous=LOGIN, mentor=303)


def _project(v: str):
    return lambda w: f"/projects/{w.objects['projects'][v].pk}/"


def _image(v: str, variant: str):
    def path(w: World) -> str:
        image = w.objects["images"][v]
        return f"/projects/{image.project_id}/images/{image.pk}/{variant}/"

    return path


def _unsubscribe(w: World) -> str:
    return f"/mail/unsubscribe/{unsubscribe_token('feedback', user=w.users['owner'])}/"


# name → list of (method, path builder, data, expected status by role)
ROUTES = {
    "home": [("get", lambda w: "/", None, everyone(302))],
    "healthz": [("get", lambda w: "/healthz", None, everyone(200))],
    "catalog:index": [("get", lambda w: "/catalog/", None, everyone(200))],
    "catalog:track": [("get", lambda w: "/catalog/track-1/", None, everyone(200))],
    "catalog:track-map": [("get", lambda w: "/catalog/track-1/map/", None, everyone(200))],
    "catalog:skill": [("get", lambda w: "/skills/skill-1-1/", None, everyone(200))],
    "catalog:paths": [("get", lambda w: "/paths/", None, everyone(200))],
    "catalog:path": [("get", lambda w: "/paths/world/", None, everyone(200))],
    "catalog:path-map": [("get", lambda w: "/paths/world/map/", None, everyone(200))],
    "tracker:dashboard": [("get", lambda w: "/dashboard/", None, SIGNED_IN_OWN)],
    "tracker:goal": [("get", lambda w: "/goal/", None, SIGNED_IN_OWN)],
    # Only the owner has a goal; without one, the page sends you to set it.
    "tracker:goal-known": [("get", lambda w: "/goal/known/", None, everyone(302, owner=200))],
    "tracker:track-reset": [("get", lambda w: "/dashboard/reset/track-1/", None, SIGNED_IN_OWN)],
    "tracker:progress": [
        ("post", lambda w: "/progress/skill-1-2/", {"status": "learning"},
         everyone(303, anonymous=LOGIN)),
    ],
    "tracker:note": [("get", lambda w: "/progress/skill-1-1/note/", None, SIGNED_IN_OWN)],
    "tracker:link-add": [
        ("post", lambda w: "/progress/skill-1-1/links/", {"title": "t", "url": "https://x.org"},
         everyone(303, anonymous=LOGIN)),
    ],
    "tracker:link-delete": [
        ("post", lambda w: f"/progress/skill-1-1/links/{w.objects['link'].pk}/delete/", {},
         OWNER_ONLY_POST),
    ],
    "tracker:resource-used": [
        ("post", lambda w: f"/progress/skill-1-1/resources/{w.objects['resource'].pk}/",
         {"used": "1"}, everyone(303, anonymous=LOGIN)),
    ],
    "tracker:evidence": [
        ("post", lambda w: "/progress/skill-1-1/evidence/",
         lambda w: {"project": w.objects["projects"]["private"].pk},
         everyone(404, anonymous=LOGIN, owner=302)),
    ],
    "tracker:projects": [("get", lambda w: "/projects/", None, SIGNED_IN_OWN)],
    "tracker:project-new": [("get", lambda w: "/projects/new/", None, SIGNED_IN_OWN)],
    "tracker:project-row": [
        ("get", lambda w: "/projects/rows/metrics/?metrics-TOTAL_FORMS=3", None, SIGNED_IN_OWN)
    ],
    "tracker:project-row-removed": [
        ("get", lambda w: "/projects/rows/metrics/removed/?metrics-1-DELETE=on", None,
         SIGNED_IN_OWN),
    ],
    "tracker:project": [
        ("get", _project("private"), None, everyone(404, owner=200)),
        ("get", _project("mentors"), None, everyone(404, owner=200, mentor=200)),
        ("get", _project("public"), None, everyone(200)),
    ],
    "tracker:project-edit": [
        ("get", lambda w, v=v: f"{_project(v)(w)}edit/", None, OWNER_ONLY)
        for v in ("private", "mentors", "public")
    ],
    "tracker:project-delete": [
        ("get", lambda w, v=v: f"{_project(v)(w)}delete/", None, OWNER_ONLY)
        for v in ("private", "mentors", "public")
    ],
    "tracker:project-image": [
        ("get", _image("private", "full"), None, everyone(404, owner=200)),
        ("get", _image("mentors", "thumb"), None, everyone(404, owner=200, mentor=200)),
        ("get", _image("public", "full"), None, everyone(200)),
    ],
    "tracker:project-image-delete": [
        ("post", lambda w: f"{_image('mentors', 'x')(w).rsplit('/', 2)[0]}/delete/", {},
         everyone(404, anonymous=LOGIN, owner=302)),
    ],
    "tracker:portfolio": [("get", lambda w: "/u/olivia/", None, everyone(200))],
    "tracker:profile": [("get", lambda w: "/account/profile/", None, SIGNED_IN_OWN)],
    # Always the signed-in user's own data: every role gets their own, never the owner's.
    "tracker:account-export-json": [
        ("get", lambda w: "/account/export.json", None, SIGNED_IN_OWN)
    ],
    "tracker:account-export-csv": [("get", lambda w: "/account/export.csv", None, SIGNED_IN_OWN)],
    "tracker:account-import": [("get", lambda w: "/account/import/", None, SIGNED_IN_OWN)],
    "tracker:account-delete": [("get", lambda w: "/account/delete/", None, SIGNED_IN_OWN)],
    "tracker:mentors": [("get", lambda w: "/mentors/", None, SIGNED_IN_OWN)],
    "tracker:invite-new": [("post", lambda w: "/mentors/invites/", {}, everyone(302))],
    # The same answer whether or not the name or address exists (it enumerates nobody).
    "tracker:invite-send": [
        ("post", lambda w: "/mentors/invites/send/", {"to": "someone@example.org"},
         everyone(303, anonymous=LOGIN)),
    ],
    "tracker:invite-revoke": [
        ("post", lambda w: f"/mentors/invites/{w.objects['invite'].pk}/revoke/", {},
         everyone(404, anonymous=LOGIN, owner=302)),
    ],
    # Signed out, the invite page says who invites and why, and offers sign-up and log-in.
    "tracker:invite-accept": [
        ("get", lambda w: f"/mentors/accept/{invite_token(w.objects['invite'])}/", None,
         everyone(200, owner=410)),
    ],
    # Whoever holds the link (it was mailed to the owner): no sign-in, by RFC 8058.
    "tracker:unsubscribe": [
        ("get", _unsubscribe, None, everyone(200)),
        ("post", _unsubscribe, {"List-Unsubscribe": "One-Click"}, everyone(200)),
    ],
    "tracker:mentorship-revoke": [
        ("post", lambda w: f"/mentors/{w.objects['mentorship'].pk}/revoke/", {},
         everyone(404, anonymous=LOGIN, owner=302)),
    ],
    "tracker:mentorship-sharing": [
        ("post", lambda w: f"/mentors/{w.objects['mentorship'].pk}/sharing/", {},
         everyone(404, anonymous=LOGIN, owner=302)),
    ],
    "tracker:feedback-reply": [
        ("post", lambda w: f"/feedback/{w.objects['feedback'].pk}/reply/", {"body": "hi"},
         everyone(404, anonymous=LOGIN, owner=303, mentor=303)),
    ],
    "tracker:mentor-dashboard": [("get", lambda w: "/mentor/", None, SIGNED_IN_OWN)],
    "tracker:mentor-export": [("get", lambda w: "/mentor/export.csv", None, SIGNED_IN_OWN)],
    "tracker:mentee": [("get", lambda w: "/mentor/olivia/", None, MENTOR_ONLY)],
    "tracker:mentee-feedback": [
        ("post", lambda w: "/mentor/olivia/feedback/", {"skill": "skill-1-1", "body": "b"},
         MENTOR_ONLY_POST),
    ],
    "tracker:mentee-skill": [
        ("get", lambda w: "/mentor/olivia/skills/skill-1-1/", None, MENTOR_ONLY),
    ],
    "tracker:mentee-verify": [
        ("post", lambda w: "/mentor/olivia/verify/skill-1-1/", {"comment": "Good."},
         MENTOR_ONLY_POST),
    ],
    "tracker:mentee-unverify": [
        ("post", lambda w: "/mentor/olivia/unverify/skill-1-1/", {}, MENTOR_ONLY_POST),
    ],
    "tracker:mentee-note": [
        ("post", lambda w: "/mentor/olivia/notes/", {"body": "n"},
         everyone(404, anonymous=LOGIN, mentor=302)),
    ],
}  # fmt: skip

# Routes that belong to Django admin and allauth are theirs to test.
THIRD_PARTY = ("admin", "account_", "socialaccount_")


def app_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(prefix + p.name)

    walk(get_resolver().url_patterns, "")
    return {n for n in names if not n.startswith(THIRD_PARTY)}


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client
