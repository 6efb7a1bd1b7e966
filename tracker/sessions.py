"""Sessions that bring their user along: one query, not two, on every signed-in request.

Django reads the session, then the user it names. Here the session row keeps the user's
id in a column (`UserSession.user`) and is read with the user joined; the backends below
hand that user to Django's `get_user`, which does every check it always does (the
backend recorded at sign-in, the password hash, `is_active`). Sign-in, sign-out and
session rotation are Django's own.

    SESSION_ENGINE = "tracker.sessions"
    AUTHENTICATION_BACKENDS = ["tracker.sessions.ModelBackend",
                               "tracker.sessions.AuthenticationBackend"]
"""

from __future__ import annotations

from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import SESSION_KEY, backends
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.signals import request_finished
from django.db import connection
from django.utils import timezone

# The user read with the session in this request (one per thread: contextvars).
_session_user: ContextVar[Any] = ContextVar("session_user", default=None)


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> type:
        from .models import UserSession

        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        session = super().create_model_instance(data)
        try:
            session.user_id = int(data[SESSION_KEY])
        except (KeyError, TypeError, ValueError):
            session.user_id = None
        return session

    def _get_session_from_db(self) -> Any:
        from .models import User

        # The key is a string here: SessionBase turns a malformed cookie into None.
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        found = list(User.objects.raw(SESSION_SQL, [self.session_key, now]))
        if not found:
            _session_user.set(None)
            self._session_key = None
            return None
        row = found[0]
        _session_user.set(row if row.pk is not None else None)
        return SimpleNamespace(session_data=row.session_data)


# Every signed-in request runs this, so it is written out: the ORM took longer to compose
# the join than the database took to run it. Table names are the models' own; the values
# are parameters. With no user (signed out), u.* is all NULL.
SESSION_SQL = (
    "SELECT u.*, s.session_data AS session_data FROM tracker_usersession s "
    "LEFT JOIN tracker_user u ON u.id = s.user_id "
    "WHERE s.session_key = %s AND s.expire_date > %s"
)


class _UserFromSession:
    def get_user(self, user_id: Any) -> Any:
        user = _session_user.get()
        if user is not None and str(user.pk) == str(user_id):
            return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]
        return super().get_user(user_id)  # type: ignore[misc]


class ModelBackend(_UserFromSession, backends.ModelBackend):
    pass


class AuthenticationBackend(_UserFromSession, allauth_backends.AuthenticationBackend):
    pass


def _forget(sender: object, **kwargs: object) -> None:
    _session_user.set(None)


request_finished.connect(_forget, dispatch_uid="gradient-session-user")
