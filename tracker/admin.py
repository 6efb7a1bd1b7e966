from typing import TYPE_CHECKING, TypedDict

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse

from catalog.admin import SkillAdmin, TrackAdmin
from catalog.models import Skill, Track

from .mentoring import services as mentoring_services
from .mentoring.models import MentorshipQuerySet
from .models import Feedback, Invite, Mentorship, Progress, ProgressEvent, Project, Status, User

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            "Public profile",
            {"fields": ["headline", "bio", "github_url", "linkedin_url", "kaggle_url",
                        "website_url", "show_progress"]},
        ),
    )  # fmt: skip


class _LearnerCount(TypedDict):
    learner_count: int


class SkillWithLearnersAdmin(SkillAdmin):
    """The catalog's skill admin, plus how many learners are on each skill.

    Lives here because the catalog does not know about learners.
    """

    list_display = [*SkillAdmin.list_display, "learners"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Skill]:
        active = Q(progress__status__in=[Status.LEARNING, Status.DONE])
        return (
            super().get_queryset(request).annotate(learner_count=Count("progress", filter=active))
        )

    @admin.display(ordering="learner_count", description="learners (learning or done)")
    def learners(self, skill: "WithAnnotations[Skill, _LearnerCount]") -> int:
        return skill.learner_count

    def view_on_site(self, skill: Skill) -> str:
        return reverse("catalog:skill", args=[skill.slug])


class TrackOnSiteAdmin(TrackAdmin):
    """The catalog's track admin, with "view on site": the tracker serves the pages."""

    def view_on_site(self, track: Track) -> str:
        return reverse("catalog:track", args=[track.slug])


admin.site.unregister(Skill)
admin.site.register(Skill, SkillWithLearnersAdmin)
admin.site.unregister(Track)
admin.site.register(Track, TrackOnSiteAdmin)


@admin.register(Progress)
class ProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "skill", "status", "updated_at", "verified_by"]
    list_filter = ["status", "skill__track"]
    list_select_related = ["user", "skill", "verified_by"]
    search_fields = ["user__username", "skill__title"]
    raw_id_fields = ["user", "skill", "verified_by"]


@admin.register(ProgressEvent)
class ProgressEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "skill", "from_status", "to_status"]
    list_filter = ["to_status"]
    list_select_related = ["user", "skill"]
    search_fields = ["user__username", "skill__title"]
    raw_id_fields = ["user", "skill"]
    date_hierarchy = "created_at"


class MentorshipForm(forms.ModelForm):
    class Meta:
        model = Mentorship
        fields = ["learner", "mentor", "state", "share_notes"]

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("learner") and data.get("learner") == data.get("mentor"):
            raise forms.ValidationError("Nobody can mentor themselves.")
        return data


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    """Staff pair mentors and learners here, e.g. for a cohort, without invite links."""

    form = MentorshipForm
    list_display = ["mentor", "learner", "state", "share_notes", "created_at", "revoked_at"]
    list_filter = ["state", "share_notes"]
    list_select_related = ["mentor", "learner"]
    search_fields = ["mentor__username", "learner__username"]
    autocomplete_fields = ["mentor", "learner"]
    actions = ["revoke"]

    @admin.action(description="Revoke selected mentorships")
    def revoke(self, request: HttpRequest, queryset: MentorshipQuerySet) -> None:
        for mentorship in queryset.active():
            mentoring_services.mentorship_revoke(mentorship=mentorship)


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["learner", "created_at", "expires_at", "used_by", "used_at", "revoked_at"]
    list_select_related = ["learner", "used_by"]
    search_fields = ["learner__username"]
    raw_id_fields = ["learner", "used_by"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "author", "learner", "mentor", "project", "skill", "read_at"]
    list_select_related = ["author", "learner", "mentor", "project", "skill"]
    search_fields = ["learner__username", "mentor__username", "body"]
    raw_id_fields = ["learner", "mentor", "author", "project", "skill"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "kind", "visibility", "updated_at"]
    list_filter = ["kind", "visibility"]
    list_select_related = ["owner"]
    search_fields = ["title", "owner__username"]
    raw_id_fields = ["owner"]
    filter_horizontal = ["skills"]
