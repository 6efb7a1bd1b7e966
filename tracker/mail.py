"""Gradient's one way to send mail: a plain-text template, rendered with the site's
address, sent from DEFAULT_FROM_EMAIL through the configured backend."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string


def send(
    *, to: str, subject: str, template: str, context: dict[str, Any], now: bool = False
) -> None:
    """Mail `template` rendered with `context` (and `site_url`) to one address.

    By default the mail leaves once the current transaction commits, and a failure to
    send is not the writer's problem (the change it reports stands). With `now=True` it
    is sent at once and a failure raises, for a caller that records what was sent (the
    weekly digest). An empty address sends nothing.
    """
    if not to:
        return
    body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
    if now:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        return
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)
    )
