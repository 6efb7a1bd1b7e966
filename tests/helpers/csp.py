"""What the Content Security Policy must say, and a finder of the inline code it would
block (or htmx would eval) in a page."""

from __future__ import annotations

import re
from html.parser import HTMLParser

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
# <script> elements the browser never runs, so CSP does not govern them: allauth's email
# page passes its settings to its (external) script in a JSON data block.
DATA_BLOCKS = {"application/json", "application/ld+json"}


def parse_policy(header: str) -> dict[str, str]:
    directives = (d.strip().split(None, 1) for d in header.split(";") if d.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


class _InlineCode(HTMLParser):
    """Finds what `script-src 'self'; style-src 'self'` would block, or htmx would eval."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"line {self.getpos()[0]} <{tag}>"
        values = {name: value or "" for name, value in attrs}
        runs = values.get("type", "").strip().lower() not in DATA_BLOCKS
        if tag == "script" and "src" not in values and runs:
            self.found.append(f"{where}: an inline script")
        if tag == "style":
            self.found.append(f"{where}: a <style> element")
        for name, value in values.items():
            if name == "style":
                self.found.append(f"{where}: a style= attribute")
            elif re.fullmatch(r"on[a-z]+", name):
                self.found.append(f"{where}: an {name}= handler")
            elif name.startswith(("hx-on", "data-hx-on")):
                self.found.append(f"{where}: {name}= (htmx would eval it)")
            elif name in ("href", "src", "action", "formaction") and re.match(
                r"\s*javascript:", value, re.IGNORECASE
            ):
                self.found.append(f"{where}: a javascript: URL")

    handle_startendtag = handle_starttag


def csp_violations(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found
