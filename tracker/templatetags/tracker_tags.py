import functools
import uuid

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from .. import html
from ..progress import Calendar

register = template.Library()


@functools.lru_cache(maxsize=4096)
def _reverse(prefix: str, name: str, args: tuple) -> str:
    return reverse(name, args=args)


@register.simple_tag
def route(name: str, *args: object) -> str:
    """`{% url %}`, remembered: the layout reverses the same dozen names on every page."""
    return _reverse(get_script_prefix(), name, tuple(str(a) for a in args))


@register.simple_tag(takes_context=True)
def status_control(context, skill, status, next_url="") -> SafeString:  # type: ignore[no-untyped-def]
    """A skill's status control (see tracker/html.py); the same markup for page and htmx."""
    return html.status_control(skill, status, next_url, str(context.get("csrf_token", "")))


@register.simple_tag(takes_context=True)
def skill_rows(context, catalog, rows) -> SafeString:  # type: ignore[no-untyped-def]
    request = context["request"]
    return html.skill_rows(
        catalog,
        rows,
        request.get_full_path(),
        str(context.get("csrf_token", "")),
        request.user.is_authenticated,
    )


@register.simple_tag
def verified_badge(progress) -> SafeString:  # type: ignore[no-untyped-def]
    return html.trusted(html.verified_badge(progress))


@register.simple_tag
def calendar_grid(calendar: Calendar) -> SafeString:
    return html.trusted(html.calendar_grid(calendar))


@register.simple_tag
def track_progress(stats, oob: bool = False) -> SafeString:  # type: ignore[no-untyped-def]
    return html.trusted(html.track_progress(stats, oob))


@register.simple_tag(takes_context=True)
def done_rows(context, rows, learner) -> SafeString:  # type: ignore[no-untyped-def]
    viewer = context["request"].user.pk
    return html.done_rows(rows, learner.username, viewer, str(context.get("csrf_token", "")))


@register.simple_tag
def skill_options(skills) -> SafeString:  # type: ignore[no-untyped-def]
    return html.skill_options(skills)


@register.simple_tag
def overall_progress(overview, oob: bool = False) -> SafeString:  # type: ignore[no-untyped-def]
    return html.overall_progress(overview, oob)


@register.simple_tag
def recent_activity(recent) -> SafeString:  # type: ignore[no-untyped-def]
    return html.recent_activity(recent, timezone.now())


@register.simple_tag
def one_time_key() -> str:
    """A fresh key for a create form's hidden `submission` input (forms.OneTimeKeyMixin).
    Pages that carry one are sent no-store, so a browser never sends a key twice."""
    return str(uuid.uuid4())
