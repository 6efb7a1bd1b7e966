from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.forms import ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from .curriculum import skill_differences, track_differences
from .graph import find_cycle
from .links import accept_redirects, refuses_redirect
from .models import (
    LINK_BROKEN,
    LINK_OK,
    LearningPath,
    PathStep,
    Prerequisite,
    Resource,
    Skill,
    Track,
)
from .snapshot import bump_catalog_version

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def mark_curated(model: type[Track] | type[Skill] | type[LearningPath], ids: Iterable[int]) -> None:
    """Record that a curator changed these entries: `load_curriculum` leaves them as they
    are (and lists them) until they match the file again or it is told --force."""
    model.objects.filter(pk__in=list(ids)).update(curated_at=timezone.now())


class BumpsCatalogVersion(admin.ModelAdmin):
    """Every change made here marks the pages' cached catalog stale (after commit), and
    the curriculum entries it touched as curated (`curated_entries`)."""

    def curated_entries(
        self, objects: Iterable[Any]
    ) -> tuple[type[Track] | type[Skill] | type[LearningPath], set]:
        """The file's entries (tracks or skills) that a change to these objects changes."""
        raise NotImplementedError

    def _curated(self, objects: Iterable[Any]) -> None:
        model, ids = self.curated_entries(objects)
        mark_curated(model, ids)
        bump_catalog_version()

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._curated([obj])

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm,
        formsets: list[BaseInlineFormSet],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        self._curated([form.instance])

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        entries = self.curated_entries([obj])
        super().delete_model(request, obj)
        mark_curated(*entries)
        bump_catalog_version()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        entries = self.curated_entries(list(queryset))
        super().delete_queryset(request, queryset)
        mark_curated(*entries)
        bump_catalog_version()


class FileStateChangeList(ChangeList):
    """The changelist, with what of each row differs from the curriculum file worked out
    once for the whole page (`file_state` shows it)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        rows = list(self.result_list)
        differences = self.model_admin.file_differences(rows)  # type: ignore[attr-defined]
        for row in rows:
            row.file_differences = differences[row.pk]


def describe_file_state(differences: list[str] | None) -> str:
    if differences is None:
        return "not in the file (added in admin)"
    if not differences:
        return "matches the file"
    return "differs from the file: " + ", ".join(differences)


class FileStateMixin:
    """A "curriculum file" column and read-only field: whether the entry matches
    catalog/curriculum.toml, and if not, what differs."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return FileStateChangeList

    @admin.display(description="curriculum file")
    def file_state(self, obj: Any) -> str:
        if obj.pk is None:
            return "not in the file (added in admin)"
        differences = getattr(obj, "file_differences", ...)
        if differences is ...:  # a change form: one entry
            differences = self.file_differences([obj])[obj.pk]  # type: ignore[attr-defined]
        return describe_file_state(differences)


class _SkillTotal(TypedDict):
    skill_total: int


@admin.register(Track)
class TrackAdmin(FileStateMixin, BumpsCatalogVersion):
    list_display = ["title", "slug", "order", "skill_count", "file_state"]
    readonly_fields = ["file_state"]
    list_editable = ["order"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["order", "title"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Track]:
        return super().get_queryset(request).annotate(skill_total=Count("skills"))

    def curated_entries(self, objects: Iterable[Track]) -> tuple[type[Track], set[int]]:
        return Track, {track.pk for track in objects}

    def file_differences(self, tracks: list[Track]) -> dict[int, list[str] | None]:
        return track_differences(tracks)

    @admin.display(ordering="skill_total", description="skills")
    def skill_count(self, track: "WithAnnotations[Track, _SkillTotal]") -> int:
        return track.skill_total


class PrerequisiteFormSet(BaseInlineFormSet):
    """Refuses a prerequisite that is the skill itself or would close a cycle."""

    def clean(self) -> None:
        super().clean()
        skill = self.instance
        chosen = [
            form.cleaned_data["requires"]
            for form in self.forms
            if form.cleaned_data
            and form.cleaned_data.get("requires")
            and not form.cleaned_data.get("DELETE")
        ]
        if skill.pk is None:
            return  # A new skill has no dependents yet, so it cannot close a cycle.
        if any(other.pk == skill.pk for other in chosen):
            raise ValidationError(f"“{skill.title}” cannot be its own prerequisite.")
        edges: dict[int, set[int]] = {}
        for a, b in Prerequisite.objects.exclude(skill_id=skill.pk).values_list(
            "skill_id", "requires_id"
        ):
            edges.setdefault(a, set()).add(b)
        edges[skill.pk] = {other.pk for other in chosen}
        cycle = find_cycle(edges)
        if cycle:
            titles = dict(Skill.objects.filter(pk__in=cycle).values_list("pk", "title"))
            path = " → ".join(titles[pk] for pk in cycle)
            raise ValidationError(f"These prerequisites would make a cycle: {path}.")


class PrerequisiteInline(admin.TabularInline):
    model = Prerequisite
    fk_name = "skill"
    formset = PrerequisiteFormSet
    autocomplete_fields = ["requires"]
    extra = 1
    verbose_name = "prerequisite"
    verbose_name_plural = "prerequisites (learn these first)"


class ResourceInline(admin.TabularInline):
    model = Resource
    fields = [
        "title",
        "key",
        "url",
        "section",
        "author",
        "provider",
        "kind",
        "is_free",
        "minutes",
        "order",
        "link_status",
        "link_checked_at",
    ]
    readonly_fields = ["link_status", "link_checked_at"]
    extra = 1


@admin.register(Skill)
class SkillAdmin(FileStateMixin, BumpsCatalogVersion):
    list_display = ["title", "track", "level", "hours", "order", "is_published", "file_state"]
    readonly_fields = ["file_state"]
    list_editable = ["order"]
    list_filter = ["track", "level", "is_published"]
    list_select_related = ["track"]
    search_fields = ["title", "slug", "summary", "aliases"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["track__order", "order", "title"]
    inlines = [PrerequisiteInline, ResourceInline]
    actions = ["publish", "unpublish"]

    def curated_entries(self, objects: Iterable[Skill]) -> tuple[type[Skill], set[int]]:
        return Skill, {skill.pk for skill in objects}

    def file_differences(self, skills: list[Skill]) -> dict[int, list[str] | None]:
        return skill_differences(skills)

    @admin.action(description="Publish selected skills")
    def publish(self, request: HttpRequest, queryset: QuerySet[Skill]) -> None:
        n = queryset.update(is_published=True, curated_at=timezone.now())
        bump_catalog_version()
        self.message_user(request, f"Published {n} skill(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected skills")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Skill]) -> None:
        n = queryset.update(is_published=False, curated_at=timezone.now())
        bump_catalog_version()
        self.message_user(request, f"Unpublished {n} skill(s).", messages.SUCCESS)


class LinkStateFilter(admin.SimpleListFilter):
    title = "link check"
    parameter_name = "link"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [
            ("ok", "OK"),
            ("broken", "Broken"),
            ("unchecked", "Not checked yet"),
            ("redirected", "Redirects elsewhere"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Resource]) -> QuerySet[Resource]:
        if self.value() == "ok":
            return queryset.filter(LINK_OK)
        if self.value() == "broken":
            return queryset.filter(LINK_BROKEN)
        if self.value() == "unchecked":
            return queryset.filter(link_checked_at__isnull=True)
        if self.value() == "redirected":
            return queryset.exclude(link_redirect_url="")
        return queryset


class _Usage(TypedDict):
    used_by: int
    finished: int


@admin.register(Resource)
class ResourceAdmin(BumpsCatalogVersion):
    list_display = [
        "title", "skill", "provider", "kind", "is_free", "link_state", "link_redirect",
        "link_checked_at", "used_by", "finished",
    ]  # fmt: skip
    list_filter = [LinkStateFilter, "kind", "is_free", "skill__track"]
    list_select_related = ["skill"]
    search_fields = ["title", "url", "author", "provider", "skill__title"]
    autocomplete_fields = ["skill"]
    readonly_fields = [
        "link_status", "link_error", "link_checked_at", "link_redirect", "link_redirect_status",
        "used_by", "finished",
    ]  # fmt: skip
    actions = ["accept_new_address"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Resource]:
        """Each resource with how many learners marked it as used, and how many of those
        have its skill done: counts only, never who. The marks are the tracker's rows
        (`Resource.uses`), reached through the relation so the catalog imports nothing
        of the tracker."""
        marks = cast("type[Model]", Resource._meta.get_field("uses").related_model)
        uses = marks._default_manager.filter(resource=OuterRef("pk")).order_by().values("resource")
        finished = uses.filter(
            user__progress__skill=OuterRef("skill"), user__progress__status="done"
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                used_by=Coalesce(Subquery(uses.annotate(n=Count("*")).values("n")), 0),
                finished=Coalesce(Subquery(finished.annotate(n=Count("*")).values("n")), 0),
            )
        )

    def curated_entries(self, objects: Iterable[Resource]) -> tuple[type[Skill], set[int]]:
        return Skill, {resource.skill_id for resource in objects}

    @admin.display(description="used by", ordering="used_by")
    def used_by(self, resource: "WithAnnotations[Resource, _Usage]") -> int:
        return resource.used_by

    @admin.display(description="of them finished the skill", ordering="finished")
    def finished(self, resource: "WithAnnotations[Resource, _Usage]") -> int:
        return resource.finished

    @admin.display(description="link", ordering="link_status")
    def link_state(self, resource: Resource) -> str:
        if resource.link_checked_at is None:
            return "not checked"
        if resource.link_ok:
            return f"OK ({resource.link_status})"
        return f"broken ({resource.link_status or resource.link_error})"

    @admin.display(description="redirects to", ordering="link_redirect_url")
    def link_redirect(self, resource: Resource) -> str | SafeString:
        target = resource.link_redirect_url
        if not target:
            return self.get_empty_value_display()
        status = resource.link_redirect_status
        kind = "permanent" if status in (301, 308) else "temporary"
        refused = refuses_redirect(resource.url, target)
        if refused:
            # Not a link: the address came from a remote server and may be javascript: or data:.
            return format_html("{} ({} {}; not followed: {})", target, status, kind, refused)
        return format_html(
            '<a href="{}" rel="noopener noreferrer">{}</a> ({} {})', target, target, status, kind
        )

    @admin.action(description="Accept the new address", permissions=["change"])
    def accept_new_address(self, request: HttpRequest, queryset: QuerySet[Resource]) -> None:
        outcome = accept_redirects(queryset)
        for resource, reason in outcome.kept:
            self.message_user(
                request, f"Kept the address of “{resource}”: {reason}.", messages.ERROR
            )
        if outcome.moved:
            self._curated(outcome.moved)
            self.message_user(
                request,
                f"Moved {len(outcome.moved)} resource(s) to their new address. Their skills "
                "are marked as curated: the next load_curriculum leaves them as they are.",
                messages.SUCCESS,
            )


class PathStepInline(admin.TabularInline):
    model = PathStep
    fields = ["skill", "stage", "required", "order"]
    autocomplete_fields = ["skill"]
    extra = 1


@admin.register(LearningPath)
class LearningPathAdmin(BumpsCatalogVersion):
    list_display = ["title", "slug", "order"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["assumed"]
    inlines = [PathStepInline]

    def curated_entries(
        self, objects: Iterable[LearningPath]
    ) -> tuple[type[LearningPath], set[int]]:
        return LearningPath, {path.pk for path in objects}
