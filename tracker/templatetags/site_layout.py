"""`{% site_page %}`: Django-template pages (allauth's) inside the site's Jinja2 layout.

allauth's pages are Django templates and extend "allauth/layouts/base.html"; our
override of it wraps their blocks in this tag, which renders them with Django and hands
the result to the Jinja2 page "django_page.html", so the header, menu, messages and
footer come from the one base.html every other page uses:

    {% site_page %}{% block head_title %}{% endblock %}
    {% head %}{% block extra_head %}{% endblock %}
    {% body %}{% block content %}{% endblock %}{% block extra_body %}{% endblock %}
    {% endsite_page %}
"""

from __future__ import annotations

from django import template
from django.template import engines

register = template.Library()


class SitePageNode(template.Node):
    # So that `{% extends %}` finds the blocks inside this tag and fills them in.
    child_nodelists = ("title", "head", "body")

    def __init__(self, title: template.NodeList, head: template.NodeList, body: template.NodeList):
        self.title, self.head, self.body = title, head, body

    def render(self, context: template.Context) -> str:
        # Django's rendering escapes as it goes, and marks its output safe; Jinja2 keeps it.
        page = {
            "page_title": self.title.render(context).strip(),
            "page_head": self.head.render(context),
            "page_body": self.body.render(context),
        }
        jinja = engines["jinja2"].get_template("django_page.html")
        return jinja.render(page, request=getattr(context, "request", None))


@register.tag
def site_page(parser: template.base.Parser, token: template.base.Token) -> SitePageNode:
    title = parser.parse(("head",))
    parser.delete_first_token()
    head = parser.parse(("body",))
    parser.delete_first_token()
    body = parser.parse(("endsite_page",))
    parser.delete_first_token()
    return SitePageNode(title, head, body)
