"""The organiser's confirm page, reached from a reminder's link: no account, one use, CSRF on both answers.

``/confirm/<token>`` lists the organisation's records with two answers: "All still correct"
(a verification of each, method ``organiser_confirmed``) and "Something has changed" (a short form
that becomes a report in the review queue). A used, expired, tampered or unknown link shows a
plain message and changes nothing (see ``assetmap.confirm``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length

from assetmap import confirm

from . import get_session, get_settings
from .auth import PlainForm

blueprint = Blueprint("organisers", __name__)


class ChangedForm(FlaskForm):
    activities = SelectMultipleField("Which activities? (choose none if it is all of them)", choices=[], validate_choice=False)
    details = TextAreaField("What has changed?", validators=[DataRequired(message="Please tell us what has changed."), Length(max=2000)])


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _sessions():
    return current_app.extensions["assetmap"]["sessions"]


def _refused(error: confirm.TokenError):
    return render_template("confirm_message.html", title="This link cannot be used", message=error.message), 400


def _page(token: str, changed: ChangedForm | None = None, status: int = 200):
    try:
        organisation = confirm.check_token(get_session(), get_settings(), _secret(), token)
    except confirm.TokenError as error:
        return _refused(error)
    records = confirm.organisation_records(get_session(), organisation.id)
    changed = changed or ChangedForm()
    changed.activities.choices = [SelectChoice(a.id, a.name) for a in records]
    return render_template("confirm.html", organisation=organisation, records=records, token=token, confirm_form=PlainForm(),
                           changed_form=changed), status


@blueprint.get("/confirm/<token>")
def confirm_page(token: str):
    return _page(token)


@blueprint.post("/confirm/<token>")
def confirm_all(token: str):
    if not PlainForm().validate_on_submit():
        return render_template("confirm_message.html", title="Please try again",
                               message="The form had expired. Please open the link from your e-mail again."), 400
    try:
        ids = confirm.confirm_all(get_settings(), _sessions(), _secret(), token)
    except confirm.TokenError as error:
        return _refused(error)
    return render_template("confirm_message.html", title="Thank you",
                           message=f"We have recorded that {len(ids)} activit{'y is' if len(ids) == 1 else 'ies are'} still correct.")


@blueprint.post("/confirm/<token>/changed")
def report_changed(token: str):
    form = ChangedForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            return render_template("confirm_message.html", title="Please try again",
                                   message="The form had expired. Please open the link from your e-mail again."), 400
        return _page(token, form, 400)
    try:
        count = confirm.report_change(get_settings(), _sessions(), _secret(), token, request.form.getlist("activities"), form.details.data.strip())
    except confirm.TokenError as error:
        return _refused(error)
    return render_template("confirm_message.html", title="Thank you",
                           message=f"An editor will update {'the activity' if count == 1 else f'the {count} activities'} and may ring you to check.")
