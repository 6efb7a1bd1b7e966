from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Model, Q, QuerySet
from django.forms import ModelForm
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from .graph import find_cycle
from .models import Prerequisite, Resource, Skill, Track
from .snapshot import bump_catalog_version

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class BumpsCatalogVersion(admin.ModelAdmin):
    """Every change made here marks the pages' cached catalog stale (after commit)."""

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        bump_catalog_version()

    def save_related(
        self,
        request: HttpRequest,
        form: ModelForm,
        formsets: list[BaseInlineFormSet],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        bump_catalog_version()

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        bump_catalog_version()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        bump_catalog_version()


class _SkillTotal(TypedDict):
    skill_total: int


@admin.register(Track)
class TrackAdmin(BumpsCatalogVersion):
    list_display = ["title", "slug", "order", "skill_count"]
    list_editable = ["order"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["order", "title"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Track]:
        return super().get_queryset(request).annotate(skill_total=Count("skills"))

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
        "url",
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
class SkillAdmin(BumpsCatalogVersion):
    list_display = ["title", "track", "level", "hours", "order", "is_published"]
    list_editable = ["order"]
    list_filter = ["track", "level", "is_published"]
    list_select_related = ["track"]
    search_fields = ["title", "slug", "summary", "aliases"]
    prepopulated_fields = {"slug": ["title"]}
    ordering = ["track__order", "order", "title"]
    inlines = [PrerequisiteInline, ResourceInline]
    actions = ["publish", "unpublish"]

    @admin.action(description="Publish selected skills")
    def publish(self, request: HttpRequest, queryset: QuerySet[Skill]) -> None:
        n = queryset.update(is_published=True)
        bump_catalog_version()
        self.message_user(request, f"Published {n} skill(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected skills")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Skill]) -> None:
        n = queryset.update(is_published=False)
        bump_catalog_version()
        self.message_user(request, f"Unpublished {n} skill(s).", messages.SUCCESS)


class LinkStateFilter(admin.SimpleListFilter):
    title = "link check"
    parameter_name = "link"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("ok", "OK"), ("broken", "Broken"), ("unchecked", "Not checked yet")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Resource]) -> QuerySet[Resource]:
        ok = Q(link_status__gte=200, link_status__lt=400)
        if self.value() == "ok":
            return queryset.filter(ok)
        if self.value() == "broken":
            return queryset.filter(link_checked_at__isnull=False).exclude(ok)
        if self.value() == "unchecked":
            return queryset.filter(link_checked_at__isnull=True)
        return queryset


@admin.register(Resource)
class ResourceAdmin(BumpsCatalogVersion):
    list_display = [
        "title",
        "skill",
        "provider",
        "kind",
        "is_free",
        "link_state",
        "link_checked_at",
    ]
    list_filter = [LinkStateFilter, "kind", "is_free", "skill__track"]
    list_select_related = ["skill"]
    search_fields = ["title", "url", "author", "provider", "skill__title"]
    autocomplete_fields = ["skill"]
    readonly_fields = ["link_status", "link_error", "link_checked_at"]

    @admin.display(description="link", ordering="link_status")
    def link_state(self, resource: Resource) -> str:
        if resource.link_checked_at is None:
            return "not checked"
        if resource.link_ok:
            return f"OK ({resource.link_status})"
        return f"broken ({resource.link_status or resource.link_error})"
