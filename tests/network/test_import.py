"""CSV import of contacts: upload, preview (writes nothing), signed confirmation."""
from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from meetings.extensions import db
from meetings.network.models import Contact, Group, Organisation
from meetings.network.services import IMPORT_SALT
from tests.factories import make_contact, make_group, make_organisation
from tests.helpers import post_form, text_of
from tests.network.conftest import CONFIRM_URL, IMPORT_URL, confirm, count, counts, payload_of, upload

CSV_EN = (
    "Name,Email,Organisation,Language,Job title,Groups\n"
    "Anna de Vries,Anna@OostNL.example,Oost NL,nl,Innovation advisor,Core Team\n"
    "Jonas Becker,jonas@ihk.example,IHK Nord Westfalen,de,,Core Team|Board\n"
    "Mary Smith,mary@example.org,,en,,\n"
)
CSV_DE = (
    "\ufeffName;E-Mail;Organisation;Sprache;Funktion;Gruppen\r\n"
    "Jürgen Müller;juergen.mueller@ihk.example;IHK Nord Westfalen;Deutsch;Referent Innovation;Core Team, Vorstand\r\n"
    "Sophie Janßen;sophie@fh-muenster.example;FH Münster;de;Professorin;\r\n"
)
CSV_NL = (
    "Naam;E-mail;Organisatie;Taal;Functie;Groepen\n"
    "Lotte Jansen;lotte@saxion.example;Saxion;Nederlands;Lector;Kernteam\n"
)


def rows_of(html: str) -> dict[int, str]:
    """The preview table as {line number: text of the row}."""
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    rows = {}
    for row in re.findall(r"<tr.*?</tr>", body, flags=re.S):
        line = int(re.search(r'<th scope="row">(\d+)</th>', row).group(1))
        rows[line] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
    return rows


def test_import_page_has_a_labelled_file_field(organiser_client):
    html = text_of(organiser_client.get(IMPORT_URL))
    assert 'enctype="multipart/form-data"' in html
    assert 'for="file"' in html and 'type="file"' in html
    assert "CSV UTF-8" in html


def test_preview_shows_every_row_and_writes_nothing(organiser_client):
    make_contact(name="Jonas B.", email="jonas@ihk.example", language="en")
    make_organisation(name="IHK Nord Westfalen")
    make_group(name="Core Team")
    before = counts()
    response = upload(organiser_client, CSV_EN)
    assert response.status_code == 200
    assert counts() == before
    html = text_of(response)
    rows = rows_of(html)
    assert sorted(rows) == [2, 3, 4]
    assert rows[2].startswith("2 Anna de Vries anna@oostnl.example Oost NL new organisation nl Innovation advisor")
    assert rows[2].endswith("new contact")
    assert "will update existing contact" in rows[3] and "Board new group" in rows[3]
    assert "new organisation" not in rows[3]
    assert rows[4].endswith("new contact")
    assert "New contacts: 2" in html and "Existing contacts to update: 1" in html
    assert "New organisations: Oost NL" in html and "New groups: Board" in html
    assert "Import 3 contacts" in html


def test_confirmation_imports_the_rows(organiser_client, importer):
    jonas = make_contact(name="Jonas B.", email="jonas@ihk.example", language="en", job_title="Referent")
    ihk = make_organisation(name="IHK Nord Westfalen", is_public=True)
    core = make_group(name="Core Team")
    response = importer(CSV_EN)
    assert response.status_code == 302
    db.session.expire_all()
    anna = db.session.scalar(select(Contact).where(Contact.email == "anna@oostnl.example"))
    assert (anna.name, anna.language, anna.job_title) == ("Anna de Vries", "nl", "Innovation advisor")
    assert anna.organisation.name == "Oost NL" and anna.organisation.is_public is False  # reviewed before shown
    assert [g.name for g in anna.groups] == ["Core Team"]
    updated = db.session.get(Contact, jonas.id)
    assert (updated.name, updated.language, updated.organisation_id) == ("Jonas Becker", "de", ihk.id)
    assert updated.job_title == "Referent"  # an empty cell keeps what is saved
    assert sorted(g.name for g in updated.groups) == ["Board", "Core Team"]
    mary = db.session.scalar(select(Contact).where(Contact.email == "mary@example.org"))
    assert mary.organisation is None and mary.language == "en" and mary.groups == []
    assert count(Contact) == 3 and count(Organisation) == 2 and count(Group) == 2
    assert core.id in {g.id for g in updated.groups}
    page = text_of(organiser_client.get(response.headers["Location"]))
    assert "New contacts: 2; updated: 1; lines skipped because of errors: 0." in page
    assert "1 new organisation was created." in page


def test_semicolon_file_with_bom_and_german_headers(organiser_client, importer):
    make_organisation(name="IHK Nord Westfalen")
    response = importer(CSV_DE.encode("utf-8"))
    assert response.status_code == 302
    db.session.expire_all()
    juergen = db.session.scalar(select(Contact).where(Contact.email == "juergen.mueller@ihk.example"))
    assert (juergen.name, juergen.language, juergen.job_title) == ("Jürgen Müller", "de", "Referent Innovation")
    assert juergen.organisation.name == "IHK Nord Westfalen"
    assert sorted(g.name for g in juergen.groups) == ["Core Team", "Vorstand"]
    sophie = db.session.scalar(select(Contact).where(Contact.email == "sophie@fh-muenster.example"))
    assert sophie.name == "Sophie Janßen" and sophie.organisation.name == "FH Münster"


def test_dutch_headers(organiser_client, importer):
    assert importer(CSV_NL).status_code == 302
    lotte = db.session.scalar(select(Contact))
    assert (lotte.name, lotte.language, lotte.job_title, lotte.organisation.name) == ("Lotte Jansen", "nl", "Lector", "Saxion")
    assert [g.name for g in lotte.groups] == ["Kernteam"]


@pytest.mark.parametrize("header", [
    "name,email", "NAME,EMAIL", " Name , E-Mail ", "Naam,E-mail", "Full name,Email address", "name;e_mail",
])
def test_header_names_are_matched_loosely(organiser_client, header):
    delimiter = ";" if ";" in header else ","
    response = upload(organiser_client, f"{header}\nAnna{delimiter}anna@example.org\n")
    assert response.status_code == 200
    assert rows_of(text_of(response))[2].endswith("new contact")


def test_excel_separator_line_is_honoured(organiser_client):
    response = upload(organiser_client, "sep=;\nName;Email;Organisation\nAnna;anna@example.org;Oost NL, Enschede\n")
    assert response.status_code == 200
    row = rows_of(text_of(response))[3]
    assert "Oost NL, Enschede" in row and row.endswith("new contact")


@pytest.mark.parametrize("hint,delimiter", [("sep=|", "|"), ("SEP=,", ","), ("sep=\t", "\t")])
def test_other_separator_lines(organiser_client, hint, delimiter):
    response = upload(organiser_client, f"{hint}\nName{delimiter}Email\nAnna{delimiter}anna@example.org\n")
    assert response.status_code == 200
    assert rows_of(text_of(response))[3].endswith("new contact")


def test_organisation_is_matched_by_name_or_short_name_ignoring_case(organiser_client):
    make_organisation(name="University of Twente", short_name="UT")
    response = upload(organiser_client, "Name,Email,Organisation\nA,a@example.org,university of twente\nB,b@example.org,ut\n")
    html = text_of(response)
    assert "new organisation" not in html
    assert response.status_code == 200


@pytest.mark.parametrize("value,code", [
    ("en", "en"), ("DE", "de"), ("nl-NL", "nl"), ("de_AT", "de"), ("English", "en"), ("Englisch", "en"),
    ("Deutsch", "de"), ("Duits", "de"), ("German", "de"), ("Nederlands", "nl"), ("Niederländisch", "nl"),
    ("Dutch", "nl"), ("", "en"),
])
def test_language_values(organiser_client, importer, value, code):
    assert importer(f"Name,Email,Language\nAnna,anna@example.org,{value}\n").status_code == 302
    assert db.session.scalar(select(Contact)).language == code


@pytest.mark.parametrize("line,message", [
    ("Anna,not-an-email,nl", "“not-an-email” is not a valid email address."),
    ("Anna,anna@,nl", "“anna@” is not a valid email address."),
    (",nobody@example.org,nl", "The name is missing."),
    ("Anna,,nl", "The email address is missing."),
    ("Anna,anna@example.org,fr", "fr Unknown language “fr”: use en, de or nl."),
    ("Anna,anna@example.org,Klingon", "Unknown language “Klingon”: use en, de or nl."),
    (f"{'A' * 201},anna@example.org,nl", "The name is longer than 200 characters."),
    ("Anna,anna@example.org,nl,Oost NL," + "x" * 201, "The job title is longer than 200 characters."),
    ("Anna,anna@example.org,nl," + "O" * 201, "The organisation name is longer than 200 characters."),
    ("Anna,anna@example.org,nl,,,Core|" + "G" * 121, "is longer than 120 characters."),
    ("Anna,anna@example.org,nl,,,,surplus", "This line has more values than the header has columns."),
    ('"Anna\nBcc: x@example.org",anna@example.org,nl', "The name contains line breaks or control characters."),
    ("Anna,duplicate@example.org,nl", "The email address is already on line 2."),
])
def test_row_errors_are_shown_and_the_row_is_skipped(organiser_client, line, message):
    csv_text = ("Name,Email,Language,Organisation,Job title,Groups\n"
                "First,Duplicate@example.org,en\n"
                f"{line}\n")
    response = upload(organiser_client, csv_text)
    assert response.status_code == 200
    html = text_of(response)
    rows = rows_of(html)
    assert rows[2].endswith("new contact")
    error_row = rows[3]
    assert message in error_row
    assert 'class="row-error"' in html
    assert "Lines with errors, which will be skipped: 1" in html
    before = counts()
    result = confirm(organiser_client, payload_of(response))
    assert result.status_code == 302
    assert count(Contact) == before[0] + 1
    assert db.session.scalar(select(Contact)).email == "duplicate@example.org"
    assert "lines skipped because of errors: 1." in text_of(organiser_client.get(result.headers["Location"]))


def test_line_numbers_count_blank_lines_and_multi_line_cells(organiser_client):
    csv_text = 'Name,Email\n\nAnna,anna@example.org\n"Multi\nline",multi@example.org\nBob,bob@example.org\n'
    rows = rows_of(text_of(upload(organiser_client, csv_text)))
    assert sorted(rows) == [3, 4, 6]
    assert "control characters" in rows[4]
    assert rows[6].startswith("6 Bob")


def test_a_file_without_any_valid_row_cannot_be_confirmed(organiser_client):
    response = upload(organiser_client, "Name,Email\nAnna,not-an-email\n")
    assert response.status_code == 422
    html = text_of(response)
    assert "No line of this file can be imported." in html
    assert 'name="payload"' not in html


@pytest.mark.parametrize("content,message", [
    ("Vorname;Nachname;Firma\nAnna;Vries;Oost\n",
     "Required columns are missing: “Name”, “Email”."),
    ("Name,Organisation\nAnna,Oost NL\n", "Required columns are missing: “Email”."),
    ("E-Mail;Sprache\nanna@example.org;de\n", "Required columns are missing: “Name”."),
    ("Name,Email,E-Mail\nAnna,a@example.org,b@example.org\n",
     "The columns “Email” and “E-Mail” mean the same; keep only one of them."),
    ("", "The file is empty."),
    ("\n \r\n", "The file is empty."),
    ("Name;Email\n", "The file has a header line but no contacts below it."),
    ("Name;Email\n;;\n\n", "The file has a header line but no contacts below it."),
    ("Name,Email\n" + "Anna,anna@example.org\n" * 5001, "The file has more than 5000 contacts."),
    ('Name,Email\nAnna,anna@example.org\n"' + "x" * 140_000 + '",b@example.org\n',
     "Line 3 cannot be read as CSV."),
])
def test_unusable_file_is_refused_at_the_field(organiser_client, content, message):
    response = upload(organiser_client, content)
    assert response.status_code == 422
    html = text_of(response)
    assert 'id="file-error"' in html
    assert message in html
    assert counts() == (0, 0, 0)


def test_missing_columns_message_names_the_columns_found(organiser_client):
    html = text_of(upload(organiser_client, "Vorname;Nachname\nAnna;Vries\n"))
    assert "Columns found: “Vorname”, “Nachname”." in html


@pytest.mark.parametrize("content", [
    "Name;E-Mail\nJürgen Müller;juergen@example.org\n".encode("cp1252"),
    "Name,Email\nFrançois,francois@example.org\n".encode("latin-1"),
    "Name,Email\nAnna,anna@example.org\n".encode("utf-16"),
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",  # an Excel workbook
])
def test_file_not_in_utf8_is_refused_with_advice(organiser_client, content):
    response = upload(organiser_client, content, filename="contacts.csv")
    assert response.status_code == 422
    html = text_of(response)
    assert 'id="file-error"' in html
    assert "not saved as UTF-8 text" in html and "CSV UTF-8" in html
    assert counts() == (0, 0, 0)


def test_upload_without_file_is_refused(organiser_client):
    response = post_form(organiser_client, IMPORT_URL, {})
    assert response.status_code == 422
    assert "Please choose a CSV file to upload." in text_of(response)


def test_tampered_payload_is_refused(organiser_client):
    payload = payload_of(upload(organiser_client, CSV_EN))
    body, _, signature = payload.rpartition(".")
    forged = URLSafeTimedSerializer("another-secret", salt=IMPORT_SALT).dumps(
        "Name,Email\nMallory,mallory@example.org\n")
    for bad in (payload[:-2] + ("AA" if not payload.endswith("AA") else "BB"), body + ".x" + signature, forged, "garbage"):
        assert confirm(organiser_client, bad).status_code == 400
    assert counts() == (0, 0, 0)


def test_payload_signed_for_another_purpose_is_refused(organiser_client, app):
    other = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="something-else").dumps("Name,Email\nM,m@example.org\n")
    assert confirm(organiser_client, other).status_code == 400
    assert count(Contact) == 0


def test_confirmation_without_payload_is_refused(organiser_client):
    assert post_form(organiser_client, CONFIRM_URL, {}, form_url=IMPORT_URL).status_code == 400


def test_csrf_is_required_for_upload_and_confirmation(organiser_client):
    import io

    payload = payload_of(upload(organiser_client, CSV_EN))
    assert organiser_client.post(CONFIRM_URL, data={"payload": payload}).status_code == 400
    assert organiser_client.post(IMPORT_URL, data={"file": (io.BytesIO(CSV_EN.encode()), "c.csv")}).status_code == 400
    assert counts() == (0, 0, 0)


def test_confirmation_checks_the_data_again(organiser_client):
    preview = upload(organiser_client, "Name,Email,Language\nAnna,anna@example.org,nl\nBob,bob@example.org,en\n")
    assert "New contacts: 2" in text_of(preview)
    # Someone adds Anna between the preview and the confirmation: she is updated, not duplicated.
    make_contact(name="Anna old", email="ANNA@example.org", language="en")
    response = confirm(organiser_client, payload_of(preview))
    assert response.status_code == 302
    assert count(Contact) == 2
    db.session.expire_all()
    anna = db.session.scalar(select(Contact).where(Contact.name == "Anna"))
    assert anna.language == "nl"
    assert "New contacts: 1; updated: 1" in text_of(organiser_client.get(response.headers["Location"]))


def test_new_organisation_and_group_of_an_invalid_row_are_not_created(organiser_client, importer):
    response = importer("Name,Email,Organisation,Groups\nAnna,anna@example.org,Oost NL,Core\nBad,bad,Ghost Org,Ghost Group\n")
    assert response.status_code == 302
    assert [o.name for o in db.session.scalars(select(Organisation))] == ["Oost NL"]
    assert [g.name for g in db.session.scalars(select(Group))] == ["Core"]


def test_same_new_organisation_on_several_rows_is_created_once(organiser_client, importer):
    importer("Name,Email,Organisation\nA,a@example.org,Oost NL\nB,b@example.org,OOST NL\n")
    assert count(Organisation) == 1
    assert {c.organisation.name for c in db.session.scalars(select(Contact))} == {"Oost NL"}


def test_the_largest_allowed_file_is_imported(organiser_client, importer):
    # Kept under 500 kB: larger test uploads are spooled to a temporary file the test client never closes.
    lines = ["Name;E-Mail;Organisation;Sprache;Gruppen"]
    lines += [f"Person {n};p{n}@partner{n % 40}.example;Partner {n % 40};de;Core Team|WG {n % 7}" for n in range(5000)]
    response = importer("\r\n".join(lines))
    assert response.status_code == 302
    assert count(Contact) == 5000 and count(Organisation) == 40 and count(Group) == 8
