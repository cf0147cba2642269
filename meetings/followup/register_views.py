"""The organiser's decisions register: search, filter, .xlsx and CSV, and marking a
decision superseded by a later one."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from meetings.auth.access import require_organiser, safe_next
from meetings.core.spreadsheets import CSV_TYPE, XLSX_TYPE, download
from meetings.extensions import db
from meetings.followup import register
from meetings.followup.forms import DecisionFilterForm, SupersedeForm
from meetings.followup.models import Decision

bp = Blueprint("decisions", __name__, url_prefix="/manage/decisions")
bp.before_request(require_organiser)


def _filter_form() -> DecisionFilterForm:
    form = DecisionFilterForm(formdata=request.args if request.args else None)
    if request.args:
        form.validate()
    return form


def _args(form: DecisionFilterForm) -> dict:
    args = {"q": form.q.data or None, "start": form.start.data.isoformat() if form.start.data else None,
            "end": form.end.data.isoformat() if form.end.data else None, "topic": form.topic.data,
            "standing": form.standing.data or None}
    return {key: value for key, value in args.items() if value is not None}


def _headings() -> dict[str, str]:
    return {"date": _("Date"), "meeting": _("Meeting"), "item": _("Agenda item"), "decision": _("Decision"),
            "superseded_by": _("Superseded by"), "superseded_on": _("Superseded on")}


def _page(form: DecisionFilterForm, supersede_forms=None, status: int | None = None):
    if form.errors:
        return render_template("followup/decisions.html", form=form, decisions=[], args={},
                               supersede_forms={}), 422
    decisions = register.find_decisions(form.decision_filter())
    forms = {d.id: SupersedeForm(later=register.later_decisions(d), formdata=None,
                                 data={"superseded_by_id": d.superseded_by_id}, prefix=f"d{d.id}")
             for d in decisions}
    forms.update(supersede_forms or {})
    failed = any(f.errors for f in forms.values())
    return render_template("followup/decisions.html", form=form, decisions=decisions, args=_args(form),
                           supersede_forms=forms), (status or (422 if failed else 200))


@bp.route("/")
def index():
    return _page(_filter_form())


@bp.route("/decisions.<any(xlsx, csv):kind>")
def export(kind: str):
    form = _filter_form()
    if form.errors:
        return _page(form)
    decisions = register.find_decisions(form.decision_filter())
    if kind == "xlsx":
        return download(register.register_workbook(decisions, _headings(), _("Decisions")), "decisions.xlsx",
                        XLSX_TYPE)
    return download(register.register_csv(decisions, _headings()), "decisions.csv", CSV_TYPE)


@bp.route("/<int:decision_id>/supersede", methods=["POST"])
def supersede(decision_id: int):
    decision = db.get_or_404(Decision, decision_id)
    form = SupersedeForm(later=register.later_decisions(decision), prefix=f"d{decision.id}")
    if not form.validate_on_submit():
        return _page(_filter_form(), {decision.id: form})
    try:
        register.supersede(decision, form.superseded_by_id.data)
    except register.SupersedeError:
        db.session.rollback()
        form.superseded_by_id.errors = [_("Only a decision of a later meeting can supersede this one.")]
        return _page(_filter_form(), {decision.id: form}, 422)
    db.session.commit()
    flash(_("The decision is marked superseded.") if decision.superseded_by_id
          else _("The decision is marked in force."), "success")
    return redirect(safe_next(url_for("decisions.index") + f"#decision-{decision.id}"))
