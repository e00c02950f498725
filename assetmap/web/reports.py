""""Report a problem" on every activity page (no account; CSRF; a per-address daily limit) and an editor's "Dealt with".

A report is written through ``changes`` (audited) and lands in the review queue; until an editor
marks it dealt with, the record's freshness is lowered (see ``assetmap.reports``). The limit keys
its counts by a daily-keyed HMAC of the address, never the address itself.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length

from assetmap import changes, reports
from assetmap.models import Activity

from . import get_session, get_settings
from .auth import _safe_next, role_required
from .errors import BadRequest, NotFound

blueprint = Blueprint("reports", __name__)


class ReportForm(FlaskForm):
    kind = RadioField("What is wrong?", choices=[SelectChoice(k, reports.KINDS[k]) for k in reports.PUBLIC_KINDS],
                      validators=[DataRequired(message="Please choose what is wrong.")])
    details = TextAreaField("Anything else we should know? (optional — please do not include your own contact details)",
                            validators=[Length(max=2000)])


class DealtForm(FlaskForm):
    next = HiddenField()


def _limiter() -> reports.ReportLimiter:
    holder = current_app.extensions["assetmap"]
    if "report_limiter" not in holder:
        holder["report_limiter"] = reports.ReportLimiter(current_app.config["SECRET_KEY"])
    return holder["report_limiter"]


def _activity(activity_id: str) -> Activity:
    found = get_session().get(Activity, activity_id)
    if found is None:
        raise NotFound("We could not find that activity.")
    return found


@blueprint.route("/activities/<activity_id>/report", methods=["GET", "POST"])
def report_page(activity_id: str):
    activity = _activity(activity_id)
    form = ReportForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("report.html", a=activity, form=form), status
    settings = get_settings()
    if not _limiter().allow(request.remote_addr or "", settings.today(), settings.report_limit):
        return render_template("report.html", a=activity, form=form,
                               limited="You have sent several reports today. Please try again tomorrow, or ring the organiser."), 429
    with changes.writing(settings, current_app.extensions["assetmap"]["sessions"], "public") as tx:
        tx.report_problem(activity_id, form.kind.data, (form.details.data or "").strip())
    flash("Thank you. An editor will check this activity; until then its page asks people to ring before they go.")
    return redirect(url_for("public.activity_page", activity_id=activity_id))


@blueprint.post("/reports/<int:report_id>/dealt")
@role_required("editor")
def dealt_with(report_id: int):
    form = DealtForm()
    if not form.validate_on_submit():
        raise BadRequest("The form had expired; please try again.")
    with changes.writing(get_settings(), current_app.extensions["assetmap"]["sessions"], current_user.actor) as tx:
        try:
            report = tx.deal_with_report(report_id)
        except changes.ChangeError as error:
            raise NotFound("We could not find that report.") from error
        activity_id = report.activity_id
    flash("Marked as dealt with.")
    return redirect(_safe_next(form.next.data or url_for("review.history", activity_id=activity_id)))
