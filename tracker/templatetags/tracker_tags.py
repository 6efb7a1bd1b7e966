from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ..progress import Calendar

register = template.Library()


@register.simple_tag
def calendar_grid(calendar: Calendar) -> SafeString:
    """The activity heatmap: 53 week columns of 7 day cells, built in Python.

    Built here rather than in a template loop because it is 371 cells on every dashboard
    load. The grid is decorative for screen readers; the list after it names every day
    with a completion and its count.
    """
    months = format_html_join(
        "",
        "<span>{}</span>",
        (
            (next((label for w, label in calendar.months if w == i), ""),)
            for i in range(len(calendar.weeks))
        ),
    )
    cells = format_html_join(
        "",
        '<i class="day lvl-{}"{}></i>',
        (
            (day.level, format_html(' title="{}"', day.label) if day.count else "")
            for week in calendar.weeks
            for day in week
            if not day.future
        ),
    )
    active = [day for week in calendar.weeks for day in week if day.count and not day.future]
    listing = format_html_join("", "<li>{}</li>", ((day.label,) for day in reversed(active)))
    return format_html(
        '<div class="calendar-scroll" aria-hidden="true">'
        '<div class="calendar-months">{}</div><div class="calendar">{}</div></div>'
        '<ul class="visually-hidden" aria-label="Days with completions">{}</ul>',
        months,
        cells,
        listing or mark_safe("<li>No completions in the last year.</li>"),
    )
