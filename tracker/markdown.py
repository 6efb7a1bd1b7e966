"""Markdown written by users, rendered to HTML that is safe to show to anyone."""

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> SafeString:
    """Markdown to sanitised HTML: no scripts, no event handlers, no javascript: links.

    Python-Markdown passes raw HTML through; nh3 (ammonia) is what makes it safe.
    Headings start at h3 so a note never outranks the page's own headings.
    """
    if not text:
        return SafeString("")
    html = md.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    html = html.replace("<h1", "<h3").replace("</h1>", "</h3>")
    html = html.replace("<h2", "<h4").replace("</h2>", "</h4>")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)  # noqa: S308  # nosec B308, B703  # sanitised by nh3 just above
