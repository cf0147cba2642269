"""Organisations, contacts and groups: listing, saving, deleting, and importing contacts from CSV."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from itsdangerous import BadPayload, URLSafeTimedSerializer
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from meetings.core.emails import InvalidEmail, checked_email
from meetings.core.names import find_by_name, name_key
from meetings.extensions import db
from meetings.network.models import LANGUAGES, Contact, Group, Organisation, group_members
from meetings.network.signals import contact_deleting, organisation_deleting

ORGANISATION_FIELDS = ("name", "short_name", "country", "kind", "website", "description", "is_public",
                       "is_partner")


def _blank_to_none(value):
    return None if value == "" else value


# --- organisations ---------------------------------------------------------------

def list_organisations() -> list[Organisation]:
    """All organisations by name."""
    return list(db.session.scalars(select(Organisation).order_by(func.lower(Organisation.name), Organisation.id)))


def organisations_with_counts() -> list[tuple[Organisation, int]]:
    """All organisations by name, each with its number of contacts (one query)."""
    count = (select(func.count(Contact.id)).where(Contact.organisation_id == Organisation.id)
             .correlate(Organisation).scalar_subquery())
    rows = db.session.execute(select(Organisation, count).order_by(func.lower(Organisation.name), Organisation.id))
    return [(org, n) for org, n in rows]


def organisation_by_name(name: str | None) -> Organisation | None:
    """The organisation whose name equals ``name`` ignoring case, or None."""
    return find_by_name(Organisation, name)


def save_organisation(organisation: Organisation | None, data: dict) -> Organisation:
    """Create (organisation None) or update an organisation from form data; flushes."""
    if organisation is None:
        organisation = Organisation()
        db.session.add(organisation)
    for name in ORGANISATION_FIELDS:
        setattr(organisation, name, _blank_to_none(data.get(name)))
    organisation.is_public = bool(data.get("is_public"))
    organisation.is_partner = bool(data.get("is_partner"))
    db.session.flush()
    return organisation


def contact_count(organisation: Organisation) -> int:
    """How many contacts belong to the organisation."""
    return db.session.scalar(select(func.count(Contact.id)).where(Contact.organisation_id == organisation.id)) or 0


def delete_organisation(organisation: Organisation) -> bool:
    """Delete an organisation without contacts; returns False (and deletes nothing) otherwise."""
    if contact_count(organisation):
        return False
    organisation_deleting.send(organisation)
    db.session.delete(organisation)
    db.session.flush()
    return True


def public_organisations_by_country() -> list[tuple[str, list[Organisation]]]:
    """Public organisations in three sections: ("NL", [...]), ("DE", [...]), ("OTHER", [...]); empty ones left out."""
    sections: dict[str, list[Organisation]] = {"NL": [], "DE": [], "OTHER": []}
    query = select(Organisation).where(Organisation.is_public.is_(True)).order_by(func.lower(Organisation.name))
    for org in db.session.scalars(query):
        sections.get(org.country, sections["OTHER"]).append(org)
    return [(key, orgs) for key, orgs in sections.items() if orgs]


# --- contacts ----------------------------------------------------------------------

def contact_by_email(email: str | None) -> Contact | None:
    """The contact with this email address, ignoring case, or None."""
    if not email:
        return None
    key = email.strip().lower()
    return db.session.scalars(select(Contact).where(func.lower(Contact.email) == key).order_by(Contact.id)).first()


def contact_label(contact: Contact) -> str:
    """'Name (Organisation)' for checkbox lists."""
    if contact.organisation is not None:
        return f"{contact.name} ({contact.organisation.name})"
    return contact.name


def list_all_contacts() -> list[Contact]:
    """Every contact by name, with its organisation loaded."""
    query = select(Contact).options(selectinload(Contact.organisation)).order_by(func.lower(Contact.name), Contact.id)
    return list(db.session.scalars(query))


def contacts_query(search: str | None = None, organisation_id: int | None = None, language: str | None = None) -> Select:
    """Contacts by name, filtered by a search term (name, email, organisation), an organisation and a language."""
    query = (select(Contact).outerjoin(Contact.organisation)
             .options(contains_eager(Contact.organisation), selectinload(Contact.groups))
             .order_by(func.lower(Contact.name), Contact.id))
    if search:
        query = query.where(or_(Contact.name.icontains(search, autoescape=True),
                                Contact.email.icontains(search, autoescape=True),
                                Organisation.name.icontains(search, autoescape=True),
                                Organisation.short_name.icontains(search, autoescape=True)))
    if organisation_id is not None:
        query = query.where(Contact.organisation_id == organisation_id)
    if language:
        query = query.where(Contact.language == language)
    return query


def save_contact(contact: Contact | None, data: dict) -> Contact:
    """Create (contact None) or update a contact from form data (``group_ids`` sets its groups); flushes."""
    if contact is None:
        contact = Contact()
        db.session.add(contact)
    contact.name = data["name"]
    contact.email = data["email"].strip().lower()
    contact.organisation_id = data.get("organisation_id")
    contact.language = data.get("language") or "en"
    contact.job_title = _blank_to_none(data.get("job_title"))
    contact.groups = _groups_by_id(data.get("group_ids") or [])
    db.session.flush()
    return contact


def delete_contact(contact: Contact) -> None:
    """Delete a contact and its group memberships; meeting lists keep their copy of name and email."""
    contact_deleting.send(contact)
    db.session.delete(contact)
    db.session.flush()


# --- groups ----------------------------------------------------------------------

def list_groups() -> list[Group]:
    """All groups by name."""
    return list(db.session.scalars(select(Group).order_by(func.lower(Group.name), Group.id)))


def groups_with_counts() -> list[tuple[Group, int]]:
    """All groups by name, each with its number of members (one query)."""
    count = (select(func.count()).select_from(group_members).where(group_members.c.group_id == Group.id)
             .correlate(Group).scalar_subquery())
    rows = db.session.execute(select(Group, count).order_by(func.lower(Group.name), Group.id))
    return [(group, n) for group, n in rows]


def group_by_name(name: str | None) -> Group | None:
    """The group whose name equals ``name`` ignoring case, or None."""
    return find_by_name(Group, name)


def group_members_list(group: Group) -> list[Contact]:
    """The group's members by name, with their organisations loaded."""
    query = (select(Contact).join(group_members, group_members.c.contact_id == Contact.id)
             .where(group_members.c.group_id == group.id)
             .options(selectinload(Contact.organisation)).order_by(func.lower(Contact.name), Contact.id))
    return list(db.session.scalars(query))


def _groups_by_id(ids: Iterable[int]) -> list[Group]:
    wanted = set(ids)
    if not wanted:
        return []
    return list(db.session.scalars(select(Group).where(Group.id.in_(wanted)).order_by(Group.name)))


def save_group(group: Group | None, data: dict) -> Group:
    """Create (group None) or update a group from form data (``member_ids`` sets its members); flushes."""
    if group is None:
        group = Group()
        db.session.add(group)
    group.name = data["name"]
    group.description = _blank_to_none(data.get("description"))
    wanted = set(data.get("member_ids") or [])
    group.members = list(db.session.scalars(select(Contact).where(Contact.id.in_(wanted)))) if wanted else []
    db.session.flush()
    return group


def delete_group(group: Group) -> None:
    """Delete a group; its members stay contacts."""
    db.session.delete(group)
    db.session.flush()


# --- CSV import of contacts ------------------------------------------------------------

MAX_IMPORT_ROWS = 5000
IMPORT_SALT = "network.contacts-import"
IMPORT_MAX_AGE = 24 * 3600
DELIMITERS = (",", ";", "\t")
GROUP_SEPARATORS = ("|", ",")
# Longest values the columns hold.
MAX_NAME, MAX_EMAIL, MAX_ORGANISATION, MAX_JOB_TITLE, MAX_GROUP = 200, 254, 200, 200, 120

# Header names as spreadsheets in English, German and Dutch write them; compared
# after folding case and dropping everything but letters and digits.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("Name", "Full name", "Naam", "Volledige naam", "Vollständiger Name", "Contact name", "Kontaktname"),
    "email": ("Email", "E-mail", "E-Mail", "Email address", "E-mail address", "E-Mail-Adresse", "Emailadresse",
              "E-mailadres", "Mail"),
    "organisation": ("Organisation", "Organization", "Organisatie", "Organisation name", "Company", "Firma",
                     "Unternehmen", "Bedrijf", "Institution", "Instelling"),
    "language": ("Language", "Preferred language", "Sprache", "Bevorzugte Sprache", "Taal", "Voorkeurstaal"),
    "job_title": ("Job title", "Position", "Funktion", "Functie", "Berufsbezeichnung", "Role", "Rolle"),
    "groups": ("Groups", "Group", "Gruppen", "Gruppe", "Groepen", "Groep"),
}
REQUIRED_COLUMNS = ("name", "email")

LANGUAGE_ALIASES = {
    "en": ("en", "english", "englisch", "engels", "eng"),
    "de": ("de", "german", "deutsch", "duits", "ger", "deu"),
    "nl": ("nl", "dutch", "nederlands", "niederländisch", "niederlaendisch", "nld", "dut"),
}


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


_COLUMN_KEYS = {_fold(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
_LANGUAGE_KEYS = {_fold(alias): code for code, aliases in LANGUAGE_ALIASES.items() for alias in aliases}


class ImportFileError(ValueError):
    """The uploaded file cannot be read as a list of contacts; ``message`` says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class ImportRow:
    """One line of the file, its parsed values and what importing it would do."""

    line: int
    name: str = ""
    email: str = ""
    organisation: str = ""
    language: str = ""
    language_given: str = ""
    job_title: str = ""
    groups: list[str] = field(default_factory=list)
    errors: list = field(default_factory=list)
    contact: Contact | None = None
    organisation_is_new: bool = False
    new_groups: list[str] = field(default_factory=list)
    email_ok: bool = False

    @property
    def outcome(self) -> str:
        """'error', 'update' or 'new'."""
        if self.errors:
            return "error"
        return "update" if self.contact is not None else "new"


@dataclass
class ImportPlan:
    """The whole file checked against the database; nothing written."""

    rows: list[ImportRow]
    columns: dict[str, str]
    ignored_columns: list[str]
    delimiter: str

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def importable(self) -> int:
        return sum(1 for row in self.rows if not row.errors)

    @property
    def new_organisations(self) -> list[str]:
        return _unique(row.organisation for row in self.rows if row.organisation_is_new and not row.errors)

    @property
    def new_groups(self) -> list[str]:
        return _unique(name for row in self.rows if not row.errors for name in row.new_groups)


@dataclass
class ImportResult:
    """What ``apply_import`` did."""

    created: int
    updated: int
    skipped: int
    organisations_created: int
    groups_created: int


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name_key(name), name)
    return list(seen.values())


def decode_upload(data: bytes) -> str:
    """The uploaded bytes as text: UTF-8, with or without a byte order mark.

    Raises ImportFileError for an empty file and for anything that is not UTF-8
    text (a file saved as "CSV" in Windows-1252, UTF-16 "Unicode text", an
    Excel workbook).
    """
    if not data.strip():
        raise ImportFileError(_l("The file is empty."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        raise ImportFileError(_l(
            "The file is not saved as UTF-8 text. In Excel choose “Save as” and the file type “CSV UTF-8 "
            "(comma delimited)”; in LibreOffice choose “Text CSV” and the character set “Unicode (UTF-8)”. "
            "Then upload that file."))
    return text


def _sniff_delimiter(first_line: str) -> str:
    # Excel in the Netherlands and Germany writes semicolons, elsewhere commas:
    # the delimiter that splits the header into the most columns wins.
    best, best_count = ",", 1
    for delimiter in DELIMITERS:
        count = len(next(csv.reader([first_line], delimiter=delimiter), []))
        if count > best_count:
            best, best_count = delimiter, count
    return best


def _map_columns(header: Sequence[str]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    ignored: list[str] = []
    for index, raw in enumerate(header):
        title = raw.strip()
        key = _COLUMN_KEYS.get(_fold(title))
        if key is None:
            if title:
                ignored.append(title)
            continue
        if key in positions:
            raise ImportFileError(_l("The columns “%(first)s” and “%(second)s” mean the same; keep only one of them.",
                                     first=names[key], second=title))
        positions[key] = index
        names[key] = title
    missing = [COLUMN_ALIASES[key][0] for key in REQUIRED_COLUMNS if key not in positions]
    if missing:
        found = ", ".join(f"“{h.strip()}”" for h in header if h.strip()) or "–"
        raise ImportFileError(_l(
            "Required columns are missing: %(missing)s. The first line must name the columns, for example "
            "Name;Email;Organisation;Language. Columns found: %(found)s.",
            missing=", ".join(f"“{m}”" for m in missing), found=found))
    return positions, names, ignored


def _read_rows(text: str) -> tuple[list[str], str, list[tuple[int, list[str]]]]:
    """Header, delimiter and (line number, cells) of every non-blank record."""
    # str.splitlines() would also split at form feeds and Unicode separators inside cells.
    lines = re.split(r"\r\n|\r|\n", text)
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines):
        raise ImportFileError(_l("The file is empty."))
    delimiter = None
    # Excel honours (and sometimes writes) a first line "sep=;".
    hint = lines[start].strip(" ")
    if len(hint) == 5 and hint[:4].lower() == "sep=" and hint[4] in (*DELIMITERS, "|"):
        delimiter = hint[4]
        start += 1
    body = "\n".join(lines[start:])
    if delimiter is None:
        first = next((line for line in lines[start:] if line.strip()), "")
        delimiter = _sniff_delimiter(first)
    reader = csv.reader(io.StringIO(body), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    previous = 0
    try:
        for cells in reader:
            line = start + previous + 1
            previous = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
                continue
            records.append((line, cells))
            if len(records) > MAX_IMPORT_ROWS:
                raise ImportFileError(lazy_ngettext(
                    "The file has more than %(num)d contact. Split it into files of at most %(num)d row "
                    "and import them one after the other.",
                    "The file has more than %(num)d contacts. Split it into files of at most %(num)d rows "
                    "and import them one after the other.", MAX_IMPORT_ROWS))
    except csv.Error:
        raise ImportFileError(_l("Line %(line)d cannot be read as CSV. Check the quotes on that line, or save the "
                                 "file again as “CSV UTF-8”.", line=start + previous + 1))
    if header is None:
        raise ImportFileError(_l("The file is empty."))
    if not records:
        raise ImportFileError(_l("The file has a header line but no contacts below it."))
    return header, delimiter, records


def _has_control_characters(value: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in value)


def _check_text(row: ImportRow, value: str, limit: int, too_long, control) -> None:
    if len(value) > limit:
        row.errors.append(too_long)
    elif _has_control_characters(value):
        row.errors.append(control)


def _parse_language(value: str) -> str | None:
    code = _LANGUAGE_KEYS.get(_fold(value))
    if code is None:
        # Locale tags such as de-DE or nl_BE name their language first.
        code = _LANGUAGE_KEYS.get(_fold(re.split(r"[-_]", value, maxsplit=1)[0]))
    return code


def _split_groups(value: str) -> list[str]:
    parts = [value]
    for separator in GROUP_SEPARATORS:
        parts = [piece for part in parts for piece in part.split(separator)]
    return _unique(piece.strip() for piece in parts if piece.strip())


def _check_row(line: int, cells: list[str], positions: dict[str, int], header_length: int) -> ImportRow:
    def cell(key: str) -> str:
        index = positions.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    row = ImportRow(line=line, name=cell("name"), email=cell("email").lower(), organisation=cell("organisation"),
                    job_title=cell("job_title"), groups=_split_groups(cell("groups")))
    if any(value.strip() for value in cells[header_length:]):
        row.errors.append(_l("This line has more values than the header has columns."))
    if not row.name:
        row.errors.append(_l("The name is missing."))
    else:
        _check_text(row, row.name, MAX_NAME, lazy_ngettext("The name is longer than %(num)d character.",
                                                               "The name is longer than %(num)d characters.", MAX_NAME),
                    _l("The name contains line breaks or control characters."))
    if not row.email:
        row.errors.append(_l("The email address is missing."))
    else:
        try:
            checked_email(row.email)
            row.email_ok = True
        except InvalidEmail:
            row.errors.append(_l("“%(value)s” is not a valid email address.", value=row.email[:MAX_EMAIL]))
    if row.organisation:
        _check_text(row, row.organisation, MAX_ORGANISATION,
                    lazy_ngettext("The organisation name is longer than %(num)d character.",
                                  "The organisation name is longer than %(num)d characters.", MAX_ORGANISATION),
                    _l("The organisation name contains line breaks or control characters."))
    if row.job_title:
        _check_text(row, row.job_title, MAX_JOB_TITLE,
                    lazy_ngettext("The job title is longer than %(num)d character.",
                                  "The job title is longer than %(num)d characters.", MAX_JOB_TITLE),
                    _l("The job title contains line breaks or control characters."))
    row.language_given = cell("language")
    if row.language_given:
        code = _parse_language(row.language_given)
        if code in LANGUAGES:
            row.language = code
        else:
            row.errors.append(_l("Unknown language “%(value)s”: use en, de or nl.", value=row.language_given[:40]))
    for name in row.groups:
        _check_text(row, name, MAX_GROUP,
                    lazy_ngettext("The group name “%(name)s…” is longer than %(num)d character.",
                                  "The group name “%(name)s…” is longer than %(num)d characters.", MAX_GROUP,
                                  name=name[:30]),
                    _l("A group name contains line breaks or control characters."))
    return row


def _existing_contacts(emails: Sequence[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    unique = sorted(set(emails))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        query = (select(Contact).where(func.lower(Contact.email).in_(chunk))
                 .options(selectinload(Contact.groups)).order_by(Contact.id))
        for contact in db.session.scalars(query):
            found.setdefault(contact.email.lower(), contact)
    return found


def _organisation_index() -> dict[str, Organisation]:
    by_key: dict[str, Organisation] = {}
    short: dict[str, list[Organisation]] = {}
    organisations = list_organisations()
    for org in organisations:
        by_key.setdefault(org.name_key, org)
        if org.short_name:
            short.setdefault(name_key(org.short_name), []).append(org)
    # A short name ("UT") finds its organisation when it names exactly one.
    for key, orgs in short.items():
        if len(orgs) == 1:
            by_key.setdefault(key, orgs[0])
    return by_key


def plan_import(text: str) -> ImportPlan:
    """Read CSV text and check every row against the database, writing nothing.

    Raises ImportFileError when the file as a whole is unusable (no header,
    missing Name or Email column, no rows, too many rows).
    """
    header, delimiter, records = _read_rows(text)
    positions, names, ignored = _map_columns(header)
    rows = [_check_row(line, cells, positions, len(header)) for line, cells in records]

    first_line_of: dict[str, int] = {}
    for row in rows:
        # A row with other errors still claims its address, so a later row with
        # the same one is reported as a duplicate instead of quietly winning.
        if not row.email_ok:
            continue
        if row.email in first_line_of:
            row.errors.append(_l("The email address is already on line %(line)d.", line=first_line_of[row.email]))
        else:
            first_line_of[row.email] = row.line

    existing = _existing_contacts([row.email for row in rows if row.email and not row.errors])
    organisations = _organisation_index()
    groups = {group.name_key: group for group in list_groups()}
    for row in rows:
        row.contact = existing.get(row.email)
        if row.organisation:
            row.organisation_is_new = name_key(row.organisation) not in organisations
        row.new_groups = [name for name in row.groups if name_key(name) not in groups]
    return ImportPlan(rows=rows, columns=names, ignored_columns=ignored, delimiter=delimiter)


def apply_import(plan: ImportPlan) -> ImportResult:
    """Create and update the contacts of the plan's error-free rows, with their new organisations and groups; flushes.

    New organisations are not shown publicly until an organiser has reviewed them.
    Empty cells keep what an existing contact already has; groups are added to
    the contact's memberships, never removed.
    """
    organisations = _organisation_index()
    groups = {group.name_key: group for group in list_groups()}
    created = updated = organisations_created = groups_created = 0
    for row in plan.rows:
        if row.errors:
            continue
        organisation = None
        if row.organisation:
            organisation = organisations.get(name_key(row.organisation))
            if organisation is None:
                organisation = Organisation(name=row.organisation, country="OTHER", kind="other", is_public=False)
                db.session.add(organisation)
                organisations[name_key(row.organisation)] = organisation
                organisations_created += 1
        row_groups = []
        for name in row.groups:
            group = groups.get(name_key(name))
            if group is None:
                group = Group(name=name)
                db.session.add(group)
                groups[name_key(name)] = group
                groups_created += 1
            row_groups.append(group)
        contact = row.contact
        if contact is None:
            contact = Contact(name=row.name, email=row.email, language=row.language or "en",
                              job_title=row.job_title or None, organisation=organisation)
            db.session.add(contact)
            created += 1
        else:
            contact.name = row.name
            if organisation is not None:
                contact.organisation = organisation
            if row.language:
                contact.language = row.language
            if row.job_title:
                contact.job_title = row.job_title
            updated += 1
        for group in row_groups:
            if group not in contact.groups:
                contact.groups.append(group)
    db.session.flush()
    return ImportResult(created=created, updated=updated, skipped=plan.count("error"),
                        organisations_created=organisations_created, groups_created=groups_created)


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=IMPORT_SALT)


def sign_import(text: str, secret_key: str) -> str:
    """The CSV text signed (and compressed) for the preview form, so the confirmation gets back exactly what was checked."""
    return _serializer(secret_key).dumps(text)


def unsign_import(token: str, secret_key: str, max_age: int = IMPORT_MAX_AGE) -> str:
    """The CSV text from ``sign_import``; raises itsdangerous.BadSignature (SignatureExpired when too old)."""
    text = _serializer(secret_key).loads(token, max_age=max_age)
    if not isinstance(text, str):
        raise BadPayload("the signed data is not text")
    return text
