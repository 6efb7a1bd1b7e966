"""One-time keys of create forms: claimed once, in the transaction that creates.

Every create form carries a fresh key (formtools.OneTimeKeyMixin); its feature's service
claims it before writing, and records what it made, so a form sent twice creates once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from .models import Submission, User

SUBMISSION_DAYS = 7  # claims older than this are pruned; no form page lives that long


class AlreadySubmitted(Exception):
    """The form's key was claimed before: `claim` says what it made, `same` whether this
    send carries the same content (a double click) or different content (refused)."""

    def __init__(self, claim: Submission, *, same: bool) -> None:
        super().__init__(f"submission {claim.key} was already used")
        self.claim = claim
        self.same = same


class OneTimeKey(NamedTuple):
    """What a create form sent its key with (forms.OneTimeKeyMixin.one_time_key)."""

    key: uuid.UUID
    digest: str


def submission_claim(
    *, user: User, key: uuid.UUID, kind: str, digest: str, now: dt.datetime | None = None
) -> Submission:
    """Claim a create form's one-time key, inside the caller's transaction, before it
    creates anything; record what it made with `submission_made`.

    Raises AlreadySubmitted if the key was claimed before. Under concurrent sends the
    unique constraint decides: PostgreSQL holds the second insert until the first
    transaction ends, and SQLite's IMMEDIATE transactions run one after the other, so
    the claim found is always a committed one, with its object.
    """
    try:
        with transaction.atomic():  # a savepoint, so the caller's transaction survives
            claim = Submission.objects.create(user=user, key=key, kind=kind, digest=digest)
    except IntegrityError:
        claim = Submission.objects.get(user=user, key=key)
        raise AlreadySubmitted(claim, same=claim.kind == kind and claim.digest == digest) from None
    cutoff = (now or timezone.now()) - dt.timedelta(days=SUBMISSION_DAYS)
    Submission.objects.filter(user=user, created_at__lt=cutoff).delete()
    return claim


def claim(once: OneTimeKey | None, user: User, kind: str) -> Submission | None:
    if once is None:
        return None
    return submission_claim(user=user, key=once.key, kind=kind, digest=once.digest)


def made(claim: Submission | None, made: Model) -> None:
    """Record what a claimed key made, so a repeated send is led to it."""
    if claim is not None:
        claim.object_id = made.pk
        claim.save(update_fields=["object_id"])
