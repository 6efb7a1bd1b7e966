"""Gradient's one way to send mail: a plain-text template, rendered with the site's
address, sent from DEFAULT_FROM_EMAIL through the configured backend.

Every mail is of a kind (account.models.MailKind) that its recipient can stop in one
click: the body ends with a link, and the headers carry RFC 8058's List-Unsubscribe and
List-Unsubscribe-Post, so a mail program can offer the same button. The link holds a
signed token naming the kind and the recipient (a user, or an address with no account
behind it); `send` asks before every mail whether the recipient stopped that kind, so an
unsubscribe is honoured from the next mail on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from .account.models import MailKind, MailOptOut, User

UNSUBSCRIBE_SALT = "gradient.unsubscribe"


def send(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    kind: MailKind,
    recipient: User | None = None,
    now: bool = False,
) -> bool:
    """Mail `template` rendered with `context` (and `site_url`, `unsubscribe_url`,
    `unsubscribe_what`) to one address: `recipient`'s, or an address with no account.

    Returns whether it was sent (or queued): nothing goes to an empty address, nor to a
    recipient who stopped this kind of mail. By default the mail leaves once the current
    transaction commits, and a failure to send is not the writer's problem (the change it
    reports stands). With `now=True` it is sent at once and a failure raises, for a caller
    that records what was sent (the weekly digest).
    """
    if not to or opted_out(kind, user=recipient, email=to):
        return False
    unsubscribe = absolute(
        reverse("tracker:unsubscribe", args=[unsubscribe_token(kind, user=recipient, email=to)])
    )
    body = render_to_string(
        template,
        {
            **context,
            "site_url": settings.SITE_URL,
            "unsubscribe_url": unsubscribe,
            "unsubscribe_what": MailKind(kind).label,
        },
    )
    message = EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    if now:
        message.send()
    else:
        transaction.on_commit(lambda: message.send(fail_silently=True))
    return True


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# -- unsubscribing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscriber:
    """Who an unsubscribe link speaks for: a user, or an address with no account."""

    kind: str
    user: User | None
    email: str


def unsubscribe_token(kind: str, *, user: User | None = None, email: str = "") -> str:
    """The signed token of an unsubscribe link. It does not expire: a mail read a year
    later must still stop the next one."""
    who: dict[str, Any] = {"u": user.pk} if user is not None else {"e": email.lower()}
    return signing.dumps({"k": str(kind), **who}, salt=UNSUBSCRIBE_SALT, compress=True)


def subscriber(token: str) -> Subscriber | None:
    """Who a token names, or None if it is forged or names an account that is gone."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in MailKind.values:
        return None
    if "u" in data:
        user = User.objects.filter(pk=data["u"]).first()
        return Subscriber(data["k"], user, "") if user else None
    email = data.get("e")
    return Subscriber(data["k"], None, email) if isinstance(email, str) and email else None


def opted_out(kind: str, *, user: User | None = None, email: str = "") -> bool:
    """Whether this recipient stopped this kind of mail: as a user, or (for a mail to an
    address) as that address before or without an account. One query."""
    whom = Q(user=user) if user is not None else Q(pk__in=[])
    if email:
        whom |= Q(user__isnull=True, email__iexact=email)
    return MailOptOut.objects.filter(whom, kind=kind).exists()


def opt_out(who: Subscriber) -> None:
    """Stop this kind of mail for them, at once; twice is the same as once."""
    if who.user is not None:
        MailOptOut.objects.get_or_create(user=who.user, kind=who.kind)
    else:
        MailOptOut.objects.get_or_create(user=None, email=who.email, kind=who.kind)


def opt_in(who: Subscriber) -> None:
    """Undo `opt_out`."""
    if who.user is not None:
        MailOptOut.objects.filter(user=who.user, kind=who.kind).delete()
    else:
        MailOptOut.objects.filter(user=None, email__iexact=who.email, kind=who.kind).delete()
