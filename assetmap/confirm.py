"""Organisers confirm their records without an account: a signed link by e-mail, used once.

``assetmap reminders`` finds each organisation with an e-mail address and records that are ageing
or stale, and writes it one e-mail (an ``.eml`` file in ``--outbox``, or sent by SMTP when
``ASSETMAP_SMTP_HOST`` is set) with a link ``<ASSETMAP_BASE_URL>/confirm/<token>``. The token is
signed with ``SECRET_KEY`` by itsdangerous under its own salt (so no other signed value of the
site can pass for one), names one organisation, expires after ``ASSETMAP_CONFIRM_LINK_DAYS`` and
works once: using it stores its SHA-256 (``UsedToken``) in the same transaction as the change it
made, so a second use, even a simultaneous one, changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from assetmap import changes
from assetmap.config import Settings
from assetmap.errors import AssetmapError
from assetmap.freshness import day_text
from assetmap.models import Activity, Organisation, UsedToken
from assetmap.review import load_candidates, state_of

SALT = "assetmap.confirm.organiser"
DUE_STATES = ("ageing", "stale")


class TokenError(AssetmapError):
    """A confirm link that cannot be used; ``message`` says why in plain English."""


def organiser_actor(organisation_id: str) -> str:
    return f"organiser:{organisation_id}"


def _serializer(secret: str, now: dt.datetime | None = None) -> URLSafeTimedSerializer:
    """The token serializer; ``now`` (the settings' clock) stamps new tokens, so tests control their age."""
    if not secret:
        raise TokenError("SECRET_KEY is not set, so confirm links cannot be signed or checked")
    stamp = int(now.timestamp()) if now is not None else None

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return stamp if stamp is not None else super().get_timestamp()

    return URLSafeTimedSerializer(secret, salt=SALT, signer=Signer)


def make_token(secret: str, organisation_id: str, now: dt.datetime | None = None) -> str:
    """A signed, timestamped token naming one organisation (with a nonce, so each reminder's link differs)."""
    return _serializer(secret, now).dumps({"org": organisation_id, "n": secrets.token_urlsafe(8)})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_token(secret: str, token: str, max_age_days: int, now: dt.datetime) -> str:
    """The organisation id the token names, or a TokenError for an expired or tampered one."""
    serializer = _serializer(secret)
    try:
        payload, signed_at = serializer.loads(token, return_timestamp=True)
    except SignatureExpired as exc:  # pragma: no cover - the explicit check below uses the injected clock
        raise TokenError("This link has expired.") from exc
    except BadSignature as exc:
        raise TokenError("This link is not valid. Please use the link from your most recent e-mail.") from exc
    if now - signed_at > dt.timedelta(days=max_age_days):
        raise TokenError("This link has expired. We will send a new one with the next reminder.")
    if not isinstance(payload, dict) or not isinstance(payload.get("org"), str):
        raise TokenError("This link is not valid. Please use the link from your most recent e-mail.")
    return payload["org"]


def is_used(session: Session, token: str) -> bool:
    return session.get(UsedToken, token_hash(token)) is not None


def check_token(session: Session, settings: Settings, secret: str, token: str) -> Organisation:
    """The organisation a usable token is for; a TokenError when it is expired, tampered, used or names no organisation."""
    organisation_id = read_token(secret, token, settings.confirm_link_days, settings.clock())
    if is_used(session, token):
        raise TokenError("This link has already been used. Thank you — nothing more is needed.")
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise TokenError("This link is not valid. Please use the link from your most recent e-mail.")
    return organisation


def organisation_records(session: Session, organisation_id: str) -> list[Activity]:
    """The organisation's records that are not closed, by name."""
    query = sa.select(Activity).where(Activity.organisation_id == organisation_id, Activity.status != "closed").order_by(Activity.name)
    return list(session.scalars(query))


def _use(tx: changes.Transaction, token: str, organisation_id: str) -> None:
    tx.session.add(UsedToken(token_hash=token_hash(token), organisation_id=organisation_id, used_at=tx.now))
    tx.session.flush()   # the primary key refuses a second use here, before anything else is written


def confirm_all(settings: Settings, sessions: sessionmaker, secret: str, token: str) -> list[str]:
    """"All still correct": a verification (``organiser_confirmed``) for each of the organisation's records; returns their ids."""
    with sessions() as session:
        organisation = check_token(session, settings, secret, token)
    with changes.writing(settings, sessions, organiser_actor(organisation.id)) as tx:
        _use(tx, token, organisation.id)
        ids = [a.id for a in organisation_records(tx.session, organisation.id)]
        for activity_id in ids:
            tx.verify_activity(activity_id, "organiser_confirmed", verified_by="organiser")
    return ids


def report_change(settings: Settings, sessions: sessionmaker, secret: str, token: str, activity_ids: Sequence[str], details: str) -> int:
    """"Something has changed": one open report (kind ``changed``) per chosen record, for an editor to act on."""
    with sessions() as session:
        organisation = check_token(session, settings, secret, token)
    with changes.writing(settings, sessions, organiser_actor(organisation.id)) as tx:
        _use(tx, token, organisation.id)
        own = {a.id for a in organisation_records(tx.session, organisation.id)}
        chosen = [i for i in activity_ids if i in own] or sorted(own)
        for activity_id in chosen:
            tx.report_problem(activity_id, "changed", details)
    return len(chosen)


# -- reminders ---------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Reminder:
    organisation_id: str
    organisation: str
    to: str
    records: tuple[str, ...]
    link: str
    message: EmailMessage


def due_organisations(session: Session, settings: Settings) -> dict[str, list[str]]:
    """Names of ageing or stale records by organisation id, for organisations with an e-mail address."""
    with_email = list(session.scalars(sa.select(Organisation.id).where(Organisation.email.is_not(None), Organisation.email != "")))
    ids = {i: o for i, o in session.execute(sa.select(Activity.id, Activity.organisation_id).where(Activity.organisation_id.in_(with_email)))}
    due: dict[str, list[str]] = {}
    for candidate in load_candidates(session):
        organisation_id = ids.get(candidate.id)
        if organisation_id and state_of(candidate, settings)[0].state in DUE_STATES:
            due.setdefault(organisation_id, []).append(candidate.name)
    return {k: sorted(v) for k, v in due.items()}


def confirm_link(settings: Settings, token: str) -> str:
    return f"{settings.base_url.rstrip('/')}/confirm/{token}"


def build_message(settings: Settings, organisation: Organisation, records: Sequence[str], link: str) -> EmailMessage:
    """A plain-text e-mail in plain English: what is listed, one link, when it stops working."""
    now = settings.clock()
    until = day_text(now + dt.timedelta(days=settings.confirm_link_days))
    listed = "\n".join(f"  - {name}" for name in records)
    message = EmailMessage()
    message["Subject"] = f"Are {organisation.name}'s activities still right?"
    message["From"] = settings.mail_from
    message["To"] = organisation.email
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="assetmap")
    message.set_content(
        f"Hello,\n\nThe local activities directory lists these activities run by {organisation.name}, and it is a while "
        f"since anyone checked them:\n\n{listed}\n\nPlease open this link to tell us whether they are still right. "
        f"You do not need an account or a password:\n\n  {link}\n\nThe link works once, until {until}. "
        "If something has changed, the page has a short form for it.\n\nThank you for keeping the directory true.\n",
        cte="8bit")   # not quoted-printable: the link stays whole on one line, even read as a raw .eml file
    return message


def make_reminders(settings: Settings, sessions: sessionmaker, secret: str) -> list[Reminder]:
    """One reminder per organisation with an e-mail address and ageing or stale records."""
    with sessions() as session:
        due = due_organisations(session, settings)
        organisations = {o.id: o for o in session.scalars(sa.select(Organisation).where(Organisation.id.in_(list(due))))}
        reminders = []
        for organisation_id in sorted(due, key=lambda i: organisations[i].name.lower()):
            organisation, link = organisations[organisation_id], confirm_link(settings, make_token(secret, organisation_id, settings.clock()))
            reminders.append(Reminder(organisation_id, organisation.name, organisation.email, tuple(due[organisation_id]), link,
                                      build_message(settings, organisation, due[organisation_id], link)))
    return reminders


def write_outbox(folder: str | Path, reminders: Sequence[Reminder]) -> list[Path]:
    """Each reminder as ``<organisation id>.eml`` in ``folder`` (made if missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for reminder in reminders:
        path = folder / f"{reminder.organisation_id}.eml"
        path.write_bytes(reminder.message.as_bytes())
        paths.append(path)
    return paths


def send_smtp(settings: Settings, reminders: Sequence[Reminder]) -> int:
    """Send every reminder through ``ASSETMAP_SMTP_HOST`` in one connection (STARTTLS when offered)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        for reminder in reminders:
            smtp.send_message(reminder.message)
    return len(reminders)
