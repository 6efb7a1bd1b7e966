from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from catalog.admin import SkillAdmin
from catalog.models import Skill

from .models import Progress, ProgressEvent, Status, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    pass


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
    def learners(self, skill: Skill) -> int:
        return skill.learner_count  # type: ignore[attr-defined]


admin.site.unregister(Skill)
admin.site.register(Skill, SkillWithLearnersAdmin)


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
