"""Markdown written by users, rendered to HTML that is safe to show to anyone."""

import re

import markdown as md
import nh3
from django.utils.safestring import SafeString, mark_safe

from .texmath import MathExtension

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h3", "h4", "h5", "h6", "hr",
    "i", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"align"}, "td": {"align"}}

# MathML for TeX math (tracker/texmath.py): the presentation elements its converter
# writes, with their layout attributes. Not links (`href`), colours, styles or classes.
MATHML_TAGS = {
    "math", "mi", "mn", "mo", "ms", "mtext", "mspace", "mrow", "mfrac", "msqrt", "mroot",
    "mstyle", "mpadded", "mphantom", "menclose", "msub", "msup", "msubsup", "munder", "mover",
    "munderover", "mtable", "mtr", "mtd",
}  # fmt: skip
_EVERY_MATH_TAG = {"mathvariant", "displaystyle", "scriptlevel", "mathsize"}
MATHML_ATTRIBUTES = {
    tag: _EVERY_MATH_TAG
    | {
        "math": {"display"},
        "mo": {"stretchy", "fence", "separator", "lspace", "rspace", "largeop",
               "movablelimits", "accent", "form", "minsize", "maxsize", "symmetric"},
        "mover": {"accent"},
        "munder": {"accentunder"},
        "munderover": {"accent", "accentunder"},
        "mfrac": {"linethickness"},
        "mspace": {"width", "height", "depth"},
        "mpadded": {"width", "height", "depth", "lspace"},
        "menclose": {"notation"},
        "mtable": {"columnalign", "rowalign", "rowspacing", "columnspacing", "rowlines",
                   "columnlines", "frame"},
        "mtd": {"columnalign", "rowalign", "rowspan", "columnspan"},
    }.get(tag, set())
    for tag in MATHML_TAGS
}  # fmt: skip
# A length or a size in math: a number with a unit, at most three digits before the point,
# so `\hspace{9999em}` cannot push the page sideways; or a word ("thinmathspace").
_MATH_LENGTH = re.compile(r"-?(?:\d{1,3}(?:\.\d{1,4})?|\.\d{1,4})(?:em|ex|pt|px|mu|mm|cm|in|%)?")
_MATH_LENGTH_ATTRIBUTES = {"width", "height", "depth", "lspace", "rspace", "minsize",
                           "maxsize", "mathsize", "linethickness"}  # fmt: skip


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag not in MATHML_TAGS or attribute not in _MATH_LENGTH_ATTRIBUTES:
        return value
    return value if value.isalpha() or _MATH_LENGTH.fullmatch(value) else None


# The sanitiser's rules: built once, as they never change.
_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS | MATHML_TAGS,
    attributes={**ALLOWED_ATTRIBUTES, **MATHML_ATTRIBUTES},
    attribute_filter=_keep_attribute,
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener noreferrer",
)


def render_markdown(text: str) -> SafeString:
    """Markdown (with TeX math) to sanitised HTML: no scripts, no event handlers, no
    javascript: links.

    Python-Markdown passes raw HTML through; nh3 (ammonia) is what makes it safe, and the
    MathML of the math goes through it like the rest. Headings start at h3 so a note never
    outranks the page's own headings.
    """
    if not text:
        return SafeString("")
    html = md.markdown(
        text, extensions=["extra", "sane_lists", MathExtension()], output_format="html"
    )
    html = html.replace("<h1", "<h3").replace("</h1>", "</h3>")
    html = html.replace("<h2", "<h4").replace("</h2>", "</h4>")
    clean = _CLEANER.clean(html)
    return mark_safe(clean)  # noqa: S308  # nosec B308, B703  # sanitised by nh3 just above
