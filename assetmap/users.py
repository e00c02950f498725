"""Accounts for the people who keep the directory true: editors and admins. Residents need none.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults, rehashed when those change).
An ``editor`` works the review queue (verify, edit, pause, close); an ``admin`` can do all that and
manage accounts and sources. Roles are ordered, so an admin passes every editor check.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from assetmap.errors import AssetmapError
from assetmap.models import User

ROLES = ("editor", "admin")   # each role can do everything the ones before it can
MIN_PASSWORD_LENGTH = 10
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()
_NO_USER_HASH = _hasher.hash("no such user: spend the same time as a real check")


class UserError(AssetmapError):
    """An account that cannot be made or changed as asked."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def is_password_right(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def has_role(role: str | None, needed: str) -> bool:
    """Whether ``role`` may do what ``needed`` may (an admin may do what an editor may).

    >>> has_role("admin", "editor"), has_role("editor", "admin"), has_role(None, "editor")
    (True, False, False)
    """
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def check_new_account(email: str, password: str, role: str) -> str:
    """The normalised email, or a UserError saying what is wrong and what is expected."""
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    return email


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def add_user(session: Session, email: str, password: str, role: str, now: dt.datetime) -> User:
    """A new active account; a UserError if the email is taken or a value is not acceptable."""
    email = check_new_account(email, password, role)
    if find_user(session, email) is not None:
        raise UserError(f"there is already an account for {email}")
    user = User(email=email, password_hash=hash_password(password), role=role, is_active=True, created_at=now)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, email: str, password: str) -> User:
    user = _existing(session, email)
    check_new_account(user.email, password, user.role)
    user.password_hash = hash_password(password)
    return user


def set_active(session: Session, email: str, active: bool) -> User:
    user = _existing(session, email)
    user.is_active = active
    return user


def _existing(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise UserError(f"no account for {normalise_email(email)}")
    return user


def authenticate(session: Session, email: str, password: str, now: dt.datetime) -> User | None:
    """The active account these credentials open, else None (taking as long either way)."""
    user = find_user(session, email)
    if user is None or not user.is_active:
        is_password_right(_NO_USER_HASH, password or "")
        return None
    if not is_password_right(user.password_hash, password or ""):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).order_by(User.email)))
