"""Organisers' confirm links and reminders over a small database of their own: tokens (valid, expired,
tampered, used twice, another organisation's), the audit trail, and the outbox the reminders fill."""

import dataclasses
import datetime as dt
import email
from email import policy

import pytest
import sqlalchemy as sa

from assetmap import confirm, db
from assetmap.models import Activity, AuditEntry, ProblemReport, UsedToken, Verification
from assetmap.search import build_index

from .conftest import FIXED_NOW
from .factories import make_activity, make_organisation

OLD = dt.datetime(2025, 1, 10, tzinfo=dt.UTC)       # stale by 2026-06-15
AGEING = dt.datetime(2025, 11, 1, tzinfo=dt.UTC)    # ageing by 2026-06-15


@pytest.fixture
def world(settings, tmp_path):
    """Three organisations: one due with an address, one due without, one whose records are all fresh (by the fixed and the real clock)."""
    local = dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'confirm.db'}", index_dir=str(tmp_path / "index"),
                                base_url="https://directory.example.org/")
    engine = db.make_engine(local.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    due = make_organisation(name="Sale Walkers", email="walks@example.org")
    silent = make_organisation(name="No Address Group", email=None)
    fresh = make_organisation(name="Fresh Group", email="fresh@example.org")
    with sessions.begin() as session:
        session.add_all([due, silent, fresh])
        session.add_all([make_activity(name="Stale walk", organisation_id=due.id, last_verified=OLD),
                         make_activity(name="Ageing walk", organisation_id=due.id, last_verified=AGEING),
                         make_activity(name="Closed walk", organisation_id=due.id, last_verified=OLD, status="closed"),
                         make_activity(name="Unaddressed walk", organisation_id=silent.id, last_verified=OLD),
                         make_activity(name="Fresh walk", organisation_id=fresh.id, last_verified=dt.datetime.now(dt.UTC))])
    with sessions() as session:
        build_index(local, session)
    yield local, sessions, {"due": due.id, "silent": silent.id, "fresh": fresh.id}
    engine.dispose()


SECRET = "test-secret"


def _verifications(sessions, method="organiser_confirmed"):
    with sessions() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Verification).where(Verification.method == method))


def test_a_valid_token_names_its_organisation(settings):
    token = confirm.make_token(SECRET, "org-1", FIXED_NOW)
    assert confirm.read_token(SECRET, token, 30, FIXED_NOW + dt.timedelta(days=29)) == "org-1"


def test_an_expired_token_is_refused(settings):
    token = confirm.make_token(SECRET, "org-1", FIXED_NOW)
    with pytest.raises(confirm.TokenError, match="expired"):
        confirm.read_token(SECRET, token, 30, FIXED_NOW + dt.timedelta(days=31))


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),     # signature changed
    lambda t: "x" + t,                                               # payload changed
    lambda t: confirm.make_token("another secret", "org-1", FIXED_NOW),  # signed with another key
])
def test_a_tampered_token_is_refused(tamper):
    token = tamper(confirm.make_token(SECRET, "org-1", FIXED_NOW))
    with pytest.raises(confirm.TokenError, match="not valid"):
        confirm.read_token(SECRET, token, 30, FIXED_NOW)


def test_a_token_of_another_salt_is_refused():
    from itsdangerous import URLSafeTimedSerializer

    other = URLSafeTimedSerializer(SECRET, salt="something-else").dumps({"org": "org-1", "n": "x"})
    with pytest.raises(confirm.TokenError, match="not valid"):
        confirm.read_token(SECRET, other, 30, FIXED_NOW)


def test_confirming_verifies_each_open_record_once_with_an_audit_entry_and_the_token_then_refuses(world):
    settings, sessions, orgs = world
    token = confirm.make_token(SECRET, orgs["due"], FIXED_NOW)
    ids = confirm.confirm_all(settings, sessions, SECRET, token)
    assert len(ids) == 2 and _verifications(sessions) == 2
    with sessions() as session:
        names = set(session.scalars(sa.select(Activity.name).where(Activity.id.in_(ids))))
        audited = session.scalars(sa.select(AuditEntry.actor).where(AuditEntry.action == "verify", AuditEntry.record_id.in_(ids))).all()
        assert session.get(UsedToken, confirm.token_hash(token)).organisation_id == orgs["due"]
    assert names == {"Stale walk", "Ageing walk"}
    assert audited == [f"organiser:{orgs['due']}"] * 2
    with pytest.raises(confirm.TokenError, match="already been used"):
        confirm.confirm_all(settings, sessions, SECRET, token)
    assert _verifications(sessions) == 2


def test_a_token_changes_only_its_own_organisations_records(world):
    settings, sessions, orgs = world
    confirm.confirm_all(settings, sessions, SECRET, confirm.make_token(SECRET, orgs["fresh"], FIXED_NOW))
    with sessions() as session:
        checked = set(session.scalars(sa.select(Activity.name).join(Verification, Verification.activity_id == Activity.id)))
    assert checked == {"Fresh walk"}


def test_a_token_naming_no_organisation_changes_nothing(world):
    settings, sessions, _ = world
    with pytest.raises(confirm.TokenError, match="not valid"):
        confirm.confirm_all(settings, sessions, SECRET, confirm.make_token(SECRET, "no-such-org", FIXED_NOW))
    assert _verifications(sessions) == 0


def test_something_has_changed_files_a_report_per_chosen_record_and_uses_the_token(world):
    settings, sessions, orgs = world
    with sessions() as session:
        stale_id = session.scalar(sa.select(Activity.id).where(Activity.name == "Stale walk"))
        other_id = session.scalar(sa.select(Activity.id).where(Activity.name == "Fresh walk"))
    token = confirm.make_token(SECRET, orgs["due"], FIXED_NOW)
    assert confirm.report_change(settings, sessions, SECRET, token, [stale_id, other_id], "Now on Wednesdays") == 1
    with sessions() as session:
        report = session.scalars(sa.select(ProblemReport)).one()
        audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "report")).one()
    assert (report.activity_id, report.kind, report.details, report.status) == (stale_id, "changed", "Now on Wednesdays", "open")
    assert audit.record_id == stale_id and audit.actor == f"organiser:{orgs['due']}"
    with pytest.raises(confirm.TokenError, match="already been used"):
        confirm.confirm_all(settings, sessions, SECRET, token)


def test_the_outbox_has_one_email_per_organisation_with_due_records_and_an_address_linking_to_the_base_url(world, tmp_path):
    settings, sessions, orgs = world
    paths = confirm.write_outbox(tmp_path / "outbox", confirm.make_reminders(settings, sessions, SECRET))
    assert [p.name for p in paths] == [f"{orgs['due']}.eml"]
    message = email.message_from_bytes(paths[0].read_bytes(), policy=policy.default)
    body = message.get_body().get_content()
    assert message["To"] == "walks@example.org" and "Sale Walkers" in message["Subject"]
    assert "Stale walk" in body and "Ageing walk" in body and "Closed walk" not in body
    link = next(line.strip() for line in body.splitlines() if "/confirm/" in line)
    assert link.startswith("https://directory.example.org/confirm/")
    token = link.rsplit("/", 1)[1]
    assert confirm.read_token(SECRET, token, settings.confirm_link_days, FIXED_NOW) == orgs["due"]


def test_reminders_are_sent_by_smtp_to_a_local_stub(world):
    import socket
    import threading

    settings, sessions, _ = world
    received = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve():
        connection, _ = server.accept()
        with connection, connection.makefile("rwb") as stream:
            def say(line):
                stream.write(line.encode() + b"\r\n")
                stream.flush()
            say("220 stub")
            while line := stream.readline().decode():
                command = line.strip().upper()
                if command.startswith("EHLO"):
                    say("250 stub")
                elif command == "DATA":
                    say("354 go on")
                    lines = []
                    while (data := stream.readline().decode()) != ".\r\n":
                        lines.append(data)
                    received.append("".join(lines))
                    say("250 kept")
                elif command == "QUIT":
                    say("221 bye")
                    return
                else:
                    say("250 ok")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    stub = dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=server.getsockname()[1])
    assert confirm.send_smtp(stub, confirm.make_reminders(stub, sessions, SECRET)) == 1
    thread.join(5)
    server.close()
    assert len(received) == 1 and "https://directory.example.org/confirm/" in received[0]


def test_the_reminders_command_fills_the_outbox(world, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from assetmap.cli import main

    settings, _, orgs = world
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ASSETMAP_INDEX_DIR", settings.index_dir)
    monkeypatch.setenv("ASSETMAP_BASE_URL", "https://directory.example.org")
    monkeypatch.setenv("SECRET_KEY", SECRET)
    result = CliRunner().invoke(main, ["reminders", "--outbox", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "1 e-mail written" in result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"{orgs['due']}.eml"]
    monkeypatch.delenv("SECRET_KEY")
    refused = CliRunner().invoke(main, ["reminders", "--outbox", str(tmp_path / "out2")])
    assert refused.exit_code != 0 and "SECRET_KEY" in refused.output
