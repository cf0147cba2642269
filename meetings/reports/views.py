"""Organiser pages of the funder's report: the page with its charts, the printable page and
the .xlsx download, all for the period (and topic) chosen in the form."""
from __future__ import annotations

from collections import Counter

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from meetings.auth.access import require_organiser
from meetings.core.spreadsheets import XLSX_TYPE, download
from meetings.core.timezones import to_local
from meetings.core.types import utcnow
from meetings.followup.services import Bar, bars
from meetings.reports import services, sheets
from meetings.reports.forms import ReportForm
from meetings.reports.labels import country_label, kind_label, percent

bp = Blueprint("reports", __name__, url_prefix="/manage/reports")
bp.before_request(require_organiser)


def today():
    """Today in the cluster's zone."""
    return to_local(utcnow(), services.CLUSTER_ZONE).date()


def _labelled(counter: Counter, label) -> list[Bar]:
    rows = bars(counter)
    # Not recorded last: the chart shows what is known first.
    rows.sort(key=lambda bar: bar.label is None)
    return [Bar(label(bar.label), bar.count, bar.percent) for bar in rows]


def _fixed(pairs: list[tuple[str, int]]) -> list[Bar]:
    top = max((count for _label, count in pairs), default=0)
    return [Bar(label, count, round(100 * count / top) if top else 0) for label, count in pairs]


def charts(report: services.Report) -> dict[str, list[Bar]]:
    """The report's charts, each a list of labelled bars."""
    return {
        "people_by_country": _labelled(report.people_by_country, country_label),
        "by_kind": _labelled(report.organisations_by_kind, kind_label),
        "by_country": _labelled(report.organisations_by_country, country_label),
        "repeat": _fixed([(_("1 meeting"), report.repeat["1"]), (_("2 meetings"), report.repeat["2"]),
                          (_("3 or more meetings"), report.repeat["3+"])]),
        "cross_border": _fixed([(_("Both sides present"), report.cross_border_meetings),
                                (_("One side only"), len(report.meetings) - report.cross_border_meetings)]),
        "public": _fixed([(_("Registrations"), report.registered), (_("Registrants present"), report.registered_present),
                          (_("Present in total"), report.public_present)]),
    }


@bp.context_processor
def labels() -> dict:
    return {"country_label": country_label, "kind_label": kind_label, "percent": percent}


def _form() -> ReportForm:
    if not request.args:
        start = today().replace(month=1, day=1)
        return ReportForm(formdata=None, data={"start": start, "end": today()})
    form = ReportForm(formdata=request.args)
    form.validate()
    return form


def _args(form: ReportForm) -> dict:
    args = {"start": form.start.data.isoformat(), "end": form.end.data.isoformat()}
    if form.topic.data is not None:
        args["topic"] = form.topic.data
    return args


def _page(template: str, form: ReportForm):
    if form.errors:
        return render_template("reports/index.html", form=form, report=None), 422
    report = services.build_report(form.report_filter())
    return render_template(template, form=form, report=report, charts=charts(report), args=_args(form),
                           today=today())


@bp.route("/")
def index():
    return _page("reports/index.html", _form())


@bp.route("/print")
def printable():
    return _page("reports/print.html", _form())


@bp.route("/report.xlsx")
def workbook():
    form = _form()
    if form.errors:
        return render_template("reports/index.html", form=form, report=None), 422
    report = services.build_report(form.report_filter())
    data = sheets.report_workbook(report, today())
    name = f"report-{report.report_filter.start.isoformat()}-{report.report_filter.end.isoformat()}.xlsx"
    return download(data, name, XLSX_TYPE)
