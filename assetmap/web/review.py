"""The editor's pages: the review queue, "Still correct", the edit form and a record's history.

Every change is made through ``assetmap.changes`` (its own transaction, audited, then the search
index catches up); the views only read, validate and redirect. Only signed-in editors (and
admins) reach any of it.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from assetmap import changes, geo, reports, review, taxonomy
from assetmap.freshness import METHOD_LABELS, PERSON_METHODS
from assetmap.models import Activity, Verification
from assetmap.places.cache import area_index, postcode_lookup
from assetmap.places.resolve import Clue, codes_at, locate_clues
from assetmap.schedule import parse_schedule
from assetmap.vocab import CAPACITY_LABELS, DELIVERY_LABELS, STATUSES

from . import get_session, get_settings
from .auth import _safe_next, role_required
from .errors import BadRequest, NotFound
from .present import FIELD_WORDS, freshness, freshness_line, safe_url
from .reports import DealtForm

blueprint = Blueprint("review", __name__)
PAGE_SIZE = 50
CHECK_CHOICES = [SelectChoice(m, METHOD_LABELS[m]) for m in PERSON_METHODS]
TEXT_FIELDS = ("name", "description", "schedule_text", "cost_text", "contact_name", "phone", "email", "website", "venue", "address")
NULLABLE = {"contact_name", "phone", "email", "website", "venue", "address", "capacity"}
STATUS_WORDS = {"active": "Running", "paused": "Paused", "closed": "Closed (no longer running)"}


class VerifyForm(FlaskForm):
    method = SelectField("How did you check?", choices=CHECK_CHOICES, default="phoned")
    next = HiddenField()


class DetailsForm(FlaskForm):
    """The details an editor writes, shared by the edit and add forms."""

    name = StringField("Name", validators=[DataRequired(), Length(max=500)])
    description = TextAreaField("What happens", validators=[Length(max=5000)])
    schedule_text = StringField("When", validators=[Length(max=500)])
    cost_text = StringField("Cost", validators=[Length(max=500)])
    phone = StringField("Phone", validators=[Length(max=100)])
    email = StringField("Email", validators=[Length(max=300)])
    website = StringField("Website", validators=[Length(max=500)])
    venue = StringField("Venue", validators=[Length(max=300)])
    address = StringField("Address", validators=[Length(max=1000)])


class EditForm(DetailsForm):
    contact_name = StringField("Contact name", validators=[Length(max=300)])
    status = SelectField("Is it running?", choices=[SelectChoice(s, STATUS_WORDS[s]) for s in STATUSES])
    capacity = SelectField("Does it take new people?",
                           choices=[SelectChoice("", "Not stated"), *(SelectChoice(*kv) for kv in CAPACITY_LABELS.items())])
    check = SelectField("Did you also check the whole record?", validators=[Optional()],
                        choices=[SelectChoice("", "No — only correcting these details"), *CHECK_CHOICES])


class AddForm(DetailsForm):
    organisation = StringField("Organisation (an existing one by its exact name, or a new one)", validators=[Length(max=500)])
    category = SelectField("Type", choices=[SelectChoice("", "Not stated"),
                                            *(SelectChoice(*kv) for kv in sorted(taxonomy.LABELS.items(), key=lambda kv: kv[1]))])
    audience = StringField("Who it is for", validators=[Length(max=500)])
    postcode = StringField("Postcode", validators=[Length(max=20)])
    delivery = SelectField("How it happens", choices=[SelectChoice(*kv) for kv in DELIVERY_LABELS.items()], default="in_person")


def _filters(args) -> dict[str, str]:
    return {name: args.get(name, "").strip()[:100] for name in ("area", "category", "organisation", "source")}


@blueprint.get("/review")
@role_required("editor")
def queue():
    filters = _filters(request.args)
    items, candidates = review.load_queue(get_session(), get_settings(), **filters)
    page = max(1, request.args.get("page", "1").isdigit() and int(request.args.get("page", "1")) or 1)
    shown = items[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    by_area = review.summarise(candidates, get_settings(), lambda c: c.lad_code)
    return render_template("review.html", items=shown, total=len(items), page=page, pages=max(1, -(-len(items) // PAGE_SIZE)),
                           filters=filters, formula=review.FORMULA, by_source=review.summarise(candidates, get_settings(), lambda c: c.source),
                           by_area=by_area, area_names=review.area_names(get_session(), list(by_area)), verify_form=VerifyForm(),
                           categories=sorted(taxonomy.LABELS.items(), key=lambda kv: kv[1]), here=request.full_path.rstrip("?"),
                           **_signals())


def _signals() -> dict:
    """Open reports, records their source stopped listing and events that have ended, for the queue's page."""
    session, now = get_session(), get_settings().clock()
    return {"report_signals": reports.report_signals(session), "closed_signals": reports.closed_signals(session, now),
            "ended_signals": reports.ended_signals(session, now), "dealt_form": DealtForm()}


def _reports_of(activity_id: str) -> dict:
    return {"open_reports": reports.open_reports(get_session(), [activity_id]).get(activity_id, []), "dealt_form": DealtForm(),
            "report_kinds": reports.KINDS}


def _activity(activity_id: str) -> Activity:
    found = get_session().get(Activity, activity_id)
    if found is None:
        raise NotFound("We could not find that activity.")
    return found


@blueprint.post("/activities/<activity_id>/verify")
@role_required("editor")
def verify(activity_id: str):
    form = VerifyForm()
    if not form.validate_on_submit():
        raise BadRequest("Choose how you checked the record.")
    name = _activity(activity_id).name
    with changes.writing(get_settings(), _sessions(), current_user.actor) as tx:
        tx.verify_activity(activity_id, form.method.data, verified_by=current_user.actor)
    flash(f"Recorded: “{name}” is still correct ({METHOD_LABELS[form.method.data].lower()}).")
    return redirect(_safe_next(form.next.data or url_for("review.queue")))


def _sessions():
    from flask import current_app

    return current_app.extensions["assetmap"]["sessions"]


def _proposed(form: EditForm) -> dict:
    """The form's values as the record stores them (empty optional text is None)."""
    values = {f: (getattr(form, f).data or "").strip() for f in (*TEXT_FIELDS, "status", "capacity")}
    return {f: (None if f in NULLABLE and not v else v) for f, v in values.items()}


def _problems(values: dict) -> list[str]:
    problems = []
    if values["website"] and not safe_url(values["website"]):
        problems.append("The website must start with http:// or https://")
    if values["email"] and "@" not in values["email"]:
        problems.append("The email address needs an @")
    return problems


@blueprint.route("/activities/<activity_id>/edit", methods=["GET", "POST"])
@role_required("editor")
def edit(activity_id: str):
    activity = _activity(activity_id)
    form = EditForm(obj=activity) if request.method == "GET" else EditForm()
    if request.method == "GET":
        form.capacity.data = activity.capacity or ""
    diff, problems = {}, []
    if form.validate_on_submit():
        values = _proposed(form)
        diff = changes.field_diff({f: getattr(activity, f) for f in values}, values, tuple(values))
        problems = _problems(values)
        if "save" in request.form and not problems and (diff or form.check.data):
            return _save(activity, diff, values, form.check.data)
    origins = changes.field_provenance(get_session(), activity_id)
    state = freshness(activity, get_settings())
    return render_template("edit.html", a=activity, form=form, diff=diff, problems=problems, origins=origins, words=FIELD_WORDS,
                           freshness=state, freshness_line=freshness_line(activity, state), submitted=request.method == "POST",
                           **_reports_of(activity_id))


def _save(activity: Activity, diff: dict, values: dict, check: str):
    """Save through the one write path: the changed fields (and re-read times), then the check if one was made."""
    changed = {field: values[field] for field in diff}
    if "schedule_text" in changed:
        parsed = parse_schedule(changed["schedule_text"], get_settings().today())
        changed["schedule"] = parsed.tokens
    with changes.writing(get_settings(), _sessions(), current_user.actor) as tx:
        done = tx.edit_activity(activity.id, changed)
        if "schedule_text" in changed:   # the typed schedule is derived from the text, like the point from lat/lon
            held = tx.session.get(Activity, activity.id)
            held.extra = {**(held.extra or {}), "schedule": parsed.detail}
        if check:
            tx.verify_activity(activity.id, check, verified_by=current_user.actor)
    words = [FIELD_WORDS.get(field, field) for field in done if field in FIELD_WORDS]
    flash(("Saved: " + ", ".join(words) if words else "Saved") + (" — and recorded your check." if check else "."))
    return redirect(url_for("public.activity_page", activity_id=activity.id))


@blueprint.route("/activities/new", methods=["GET", "POST"])
@role_required("editor")
def add():
    form = AddForm()
    problems: dict[str, str] = {}
    if form.validate_on_submit():
        values, problems = _new_values(form)
        if not problems:
            with changes.writing(get_settings(), _sessions(), current_user.actor) as tx:
                new_id = tx.add_activity(values).id
            flash(f"Added “{values['name']}”.")
            return redirect(url_for("public.activity_page", activity_id=new_id))
    return render_template("add.html", form=form, problems=problems), (400 if request.method == "POST" else 200)


def _new_values(form: AddForm) -> tuple[dict, dict[str, str]]:
    """The form's values as a new record stores them, placed by its postcode, and the problems by field name."""
    text = {f: (getattr(form, f).data or "").strip() for f in ("name", "organisation", "description", "audience", "schedule_text", "cost_text",
                                                              "venue", "address", "postcode", "phone", "email", "website")}
    values = {"name": text["name"], "organisation_name": text["organisation"] or None, "description": text["description"],
              "categories": [form.category.data] if form.category.data else [], "audience": [text["audience"]] if text["audience"] else [],
              "delivery": [form.delivery.data], "schedule_text": text["schedule_text"], "cost_text": text["cost_text"],
              **{f: text[f] or None for f in ("venue", "address", "phone", "email", "website")}}
    problems = {}
    if values["website"] and not safe_url(values["website"]):
        problems["website"] = "The website must start with http:// or https://"
    if values["email"] and "@" not in values["email"]:
        problems["email"] = "The email address needs an @"
    if text["postcode"]:
        postcode = geo.normalise_postcode(text["postcode"])
        placed = _placed(postcode) if postcode else None
        if placed is None:
            problems["postcode"] = f"Postcode: we could not find the postcode {text['postcode']!r}. Check it, or leave it empty."
        else:
            values |= {"postcode": postcode, **placed}
    return values, problems


def _placed(postcode: str) -> dict | None:
    """The point and area codes of a known postcode (the postcode directory and the loaded areas), else None."""
    fix = locate_clues([Clue(postcode=postcode)], lambda: postcode_lookup(get_settings()))[0]
    if fix.lat is None:
        return None
    lat, lon = round(float(fix.lat), 6), round(float(fix.lon), 6)
    fix.lat, fix.lon = lat, lon
    codes = codes_at(area_index(get_session()), fix)
    return {"lat": lat, "lon": lon, **{f"{kind}_code": codes.get(kind) for kind in ("ward", "lad", "stp", "icb")}}


@blueprint.get("/activities/<activity_id>/history")
@role_required("editor")
def history(activity_id: str):
    activity = _activity(activity_id)
    entries = changes.history(get_session(), activity_id)
    checks = list(get_session().scalars(sa.select(Verification).where(Verification.activity_id == activity_id)
                                        .order_by(Verification.verified_at.desc(), Verification.id.desc())))
    state = freshness(activity, get_settings())
    return render_template("history.html", a=activity, entries=list(reversed(entries)), checks=checks, words=FIELD_WORDS,
                           methods=METHOD_LABELS, freshness=state, freshness_line=freshness_line(activity, state), **_reports_of(activity_id))
