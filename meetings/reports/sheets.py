"""The report as an .xlsx workbook: one sheet of figures, then one sheet per meeting with the
people recorded present there (organisers only: the download is behind the login)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from meetings.core.spreadsheets import TEXT, VALUE, Column, Sheet, write_workbook
from meetings.followup.services import country_of, organisation_of
from meetings.reports.labels import country_label, kind_label
from meetings.reports.services import SIDES, MeetingFigures, Report


def _share(share: float | None) -> float | None:
    # A percentage with one decimal, as a number a spreadsheet can sum.
    return None if share is None else round(100 * share, 1)


def figure_rows(report: Report, today: date) -> list[tuple[str, str, object]]:
    """(section, figure, value) for the figures sheet; no row names a person."""
    period = report.report_filter
    about = _("Report")
    rows: list[tuple[str, str, object]] = [
        (about, _("Cluster"), _("Advanced Manufacturing & Robotics cluster")),
        (about, _("From"), period.start),
        (about, _("To"), period.end),
        (about, _("Topic"), report.topic.name if report.topic else _("All topics")),
        (about, _("Date of the report"), today),
    ]
    meetings = _("Meetings")
    rows += [(meetings, _("Meetings held"), len(report.meetings)),
             (meetings, _("Meetings with people present from both the Netherlands and Germany"),
              report.cross_border_meetings),
             (meetings, _("Cross-border share (%)"), _share(report.cross_border_share))]
    if report.empty:
        rows.append((meetings, _("This report is empty: no meeting was held in this period."), None))
    people = _("Participants")
    rows += [(people, _("Attendances recorded"), report.attendances),
             (people, _("People present (unique)"), report.people),
             (people, _("People without an organisation"), report.people_without_organisation),
             (people, _("People without a country"), report.people_without_country)]
    rows += [(people, _("People from %(country)s", country=country_label(code)), count)
             for code, count in sorted(report.people_by_country.items(), key=lambda kv: kv[0] or "") if code]
    rows += [(people, _("Share of people from %(country)s (%%)", country=country_label(code)),
              _share(report.people_share(code))) for code in SIDES]
    organisations = _("Organisations")
    rows += [(organisations, _("Organisations represented"), len(report.organisations)),
             (organisations, _("Organisations without a country"), report.organisations_without_country)]
    rows += [(organisations, _("Kind: %(kind)s", kind=kind_label(kind)), count)
             for kind, count in sorted(report.organisations_by_kind.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]
    rows += [(organisations, _("Country: %(country)s", country=country_label(code)), count)
             for code, count in sorted(report.organisations_by_country.items(),
                                       key=lambda kv: (kv[0] is None, kv[0] or ""))]
    repeat = _("Repeat participation")
    rows += [(repeat, _("Organisations present at 1 meeting"), report.repeat["1"]),
             (repeat, _("Organisations present at 2 meetings"), report.repeat["2"]),
             (repeat, _("Organisations present at 3 or more meetings"), report.repeat["3+"])]
    first = _("Reached for the first time")
    rows += [(first, _("Organisations reached for the first time"), len(report.first_time))]
    rows += [(first, _("Organisation"), organisation.name) for organisation in report.first_time]
    public = _("Public events")
    rows += [(public, _("Public events"), len(report.public)),
             (public, _("Registrations"), report.registered),
             (public, _("Registrants present"), report.registered_present),
             (public, _("Present in total"), report.public_present)]
    for figures in report.public:
        label = f"{figures.meeting.first_day.isoformat()} {figures.meeting.title}"
        rows += [(public, _("%(meeting)s: registrations", meeting=label), figures.registered),
                 (public, _("%(meeting)s: present", meeting=label), len(figures.present))]
    return rows


@dataclass(frozen=True)
class _Words:
    """The words every meeting sheet repeats, translated once for the whole workbook."""

    meeting: str
    date: str
    venue: str
    present: str
    organisations: str
    columns: tuple[Column, ...]
    countries: dict


def _words() -> _Words:
    return _Words(_("Meeting"), _("Date"), _("Venue"), _("Present"), _("Organisations"),
                  (Column(_("Name"), TEXT, 30), Column(_("Organisation"), TEXT, 36), Column(_("Country"), TEXT, 18)),
                  {})


def meeting_sheet(figures: MeetingFigures, words: _Words | None = None) -> Sheet:
    """One meeting: its title, date, place and the people recorded present, by name."""
    words = words or _words()
    meeting = figures.meeting
    preamble = [(words.meeting, meeting.title), (words.date, meeting.first_day),
                (words.venue, meeting.venue.one_line() if meeting.venue else (meeting.online_url or "")),
                (words.present, len(figures.present)),
                (words.organisations, figures.organisations)]
    rows = []
    for p in figures.present:
        code = country_of(p)
        if code not in words.countries:
            words.countries[code] = country_label(code)
        rows.append((p.name or p.email or "", organisation_of(p) or "", words.countries[code]))
    return Sheet(f"{meeting.first_day.isoformat()} {meeting.title}", words.columns, rows, preamble)


def report_workbook(report: Report, today: date) -> bytes:
    """The whole report as .xlsx bytes."""
    columns = [Column(_("Section"), TEXT, 28), Column(_("Figure"), TEXT, 60), Column(_("Value"), VALUE, 40)]
    figures = Sheet(_("Figures"), columns, figure_rows(report, today))
    words = _words()
    return write_workbook([figures, *(meeting_sheet(figures, words) for figures in report.meetings)])
