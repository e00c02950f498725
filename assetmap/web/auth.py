"""Signing in and out, who may do what, and the admin's list of accounts.

Flask-Login keeps the signed-in account in the session cookie (HttpOnly, SameSite=Lax, Secure when
``ASSETMAP_HTTPS`` is set); Flask-WTF puts a CSRF token on every form and refuses a POST without
one. Residents never sign in: only the editor pages and actions need an account. A visitor who is
not signed in is sent to ``/login``; a signed-in account without the role gets 403. Repeated failed
sign-ins lock the account, and the address, for a while (``security.SignInGuard``).
"""

from __future__ import annotations

import dataclasses
import functools
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from wtforms import EmailField, PasswordField, SelectChoice, SelectField
from wtforms.validators import DataRequired, Length

from assetmap import users
from assetmap.models import User

from . import get_session, get_settings

blueprint = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()


@dataclasses.dataclass(frozen=True)
class Account(UserMixin):
    """The signed-in account as the web app holds it (never the password hash)."""

    id: int
    email: str
    role: str

    def get_id(self) -> str:
        return str(self.id)

    def can(self, role: str) -> bool:
        return users.has_role(self.role, role)

    @property
    def actor(self) -> str:
        return f"editor:{self.email}"


def init_auth(app: Flask) -> None:
    """Sessions, CSRF on every form and the sign-in pages."""
    secure = get_settings_from(app).https
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure,
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.session_protection = "strong"
    login_manager.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(blueprint)


def get_settings_from(app: Flask):
    return app.extensions["assetmap"]["settings"]


@login_manager.user_loader
def _load_account(user_id: str) -> Account | None:
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return Account(user.id, user.email, user.role) if user is not None and user.is_active else None


def role_required(role: str):
    """Only for signed-in accounts with ``role`` (or a higher one): others go to /login, or get 403."""
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.can(role):
                abort(403, "Your account cannot use this page.")
            return view(*args, **kwargs)
        return wrapped
    return decorator


class LoginForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=300)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])


class NewUserForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired(), Length(max=300)])
    password = PasswordField(f"Password (at least {users.MIN_PASSWORD_LENGTH} characters)", validators=[DataRequired()])
    role = SelectField("Role", choices=[SelectChoice("editor", "Editor: review queue, verify and edit records"),
                                        SelectChoice("admin", "Admin: also accounts and sources")])


class PlainForm(FlaskForm):
    """A form with nothing but its CSRF token (buttons that POST)."""


def _safe_next(target: str | None) -> str:
    """Only a path on this site (never another host) after signing in."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("review.queue")
    return target


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        guard, address = current_app.extensions["assetmap"]["signin_guard"], request.remote_addr or "unknown"
        error = guard.refusal(form.email.data, address)   # a locked account is refused before its password is checked
        if error:
            status = 429
        else:
            session = get_session()
            user = users.authenticate(session, form.email.data, form.password.data, get_settings().clock())
            if user is not None:
                account = Account(user.id, user.email, user.role)
                session.commit()
                guard.succeeded(form.email.data)
                login_user(account)
                return redirect(_safe_next(request.args.get("next")))
            guard.failed(form.email.data, address)
            error, status = "That email address and password do not match an account.", 401
    return render_template("login.html", form=form, error=error, next=request.args.get("next", "")), status


@blueprint.post("/logout")
def logout():
    if PlainForm().validate_on_submit():
        logout_user()
        flash("You are signed out.")
    return redirect(url_for("public.search_page"))


@blueprint.route("/admin/users", methods=["GET", "POST"])
@role_required("admin")
def users_page():
    form = NewUserForm()
    error = None
    if form.validate_on_submit():
        try:
            users.add_user(get_session(), form.email.data, form.password.data, form.role.data, get_settings().clock())
            get_session().commit()
            flash(f"Account made for {users.normalise_email(form.email.data)}.")
            return redirect(url_for("auth.users_page"))
        except users.UserError as exc:
            get_session().rollback()
            error = exc.message
    return render_template("users.html", form=form, error=error, accounts=users.list_users(get_session()), toggle=PlainForm())


@blueprint.post("/admin/users/<int:user_id>/active")
@role_required("admin")
def toggle_user(user_id: int):
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    if not PlainForm().validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        flash("You cannot switch off your own account.")
    else:
        users.set_active(get_session(), user.email, not user.is_active)
        get_session().commit()
        flash(f"{user.email} is now {'active' if user.is_active else 'switched off'}.")
    return redirect(url_for("auth.users_page"))
