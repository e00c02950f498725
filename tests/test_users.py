"""Accounts: argon2 hashes, checked values, roles in order, and sign-in that says nothing about which part was wrong."""

import datetime as dt

import pytest

from assetmap import users

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)


def test_a_password_is_kept_only_as_an_argon2_hash():
    hashed = users.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert users.is_password_right(hashed, "correct horse battery")
    assert not users.is_password_right(hashed, "Correct horse battery")
    assert not users.is_password_right("not a hash", "anything")


@pytest.mark.parametrize("role, needed, allowed", [
    ("editor", "editor", True), ("admin", "editor", True), ("admin", "admin", True),
    ("editor", "admin", False), (None, "editor", False), ("resident", "editor", False),
])
def test_roles_are_ordered(role, needed, allowed):
    assert users.has_role(role, needed) is allowed


@pytest.mark.parametrize("email, password, role, message", [
    ("not-an-email", "long enough password", "editor", "not an email address"),
    ("jo@example.org", "short", "editor", "at least 10 characters"),
    ("jo@example.org", "long enough password", "owner", "role 'owner' is not one of editor, admin"),
])
def test_a_new_account_with_a_bad_value_is_refused_saying_which(email, password, role, message):
    with pytest.raises(users.UserError, match=message):
        users.check_new_account(email, password, role)


def test_add_and_authenticate(session):
    users.add_user(session, " Jo@Example.org ", "long enough password", "editor", NOW)
    with pytest.raises(users.UserError, match="already an account"):
        users.add_user(session, "jo@example.org", "another password!", "admin", NOW)
    user = users.authenticate(session, "JO@example.org", "long enough password", NOW)
    assert user is not None and user.email == "jo@example.org" and user.last_login_at == NOW
    assert users.authenticate(session, "jo@example.org", "wrong password", NOW) is None
    assert users.authenticate(session, "nobody@example.org", "long enough password", NOW) is None
    users.set_active(session, "jo@example.org", False)
    assert users.authenticate(session, "jo@example.org", "long enough password", NOW) is None
