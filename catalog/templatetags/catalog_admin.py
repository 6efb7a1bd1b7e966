"""Template tags for the admin's own (Django) templates."""

from django import template

from catalog.models import Resource

register = template.Library()


@register.simple_tag
def broken_link_count() -> int:
    """How many resources failed their last link check: one COUNT query."""
    return Resource.objects.broken().count()
