"""Organiser pages for the network: organisations, contacts, groups, CSV import of contacts."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy.exc import IntegrityError

from meetings.auth.access import require_organiser
from meetings.core.views import page_number, render_form, save_or_field_error
from meetings.extensions import db
from meetings.network import services
from meetings.network.forms import (COUNTRY_LABELS, KIND_LABELS, LANGUAGE_LABELS, ContactFilterForm, ContactForm,
                                    GroupForm, ImportConfirmForm, ImportUploadForm, OrganisationForm)
from meetings.network.models import Contact, Group, Organisation

bp = Blueprint("network", __name__, url_prefix="/manage")
bp.before_request(require_organiser)

CONTACTS_PER_PAGE = 50


@bp.context_processor
def labels() -> dict:
    return {"kind_labels": KIND_LABELS, "country_labels": COUNTRY_LABELS, "language_labels": LANGUAGE_LABELS}


# --- organisations -------------------------------------------------------------------

@bp.route("/organisations/")
def organisations():
    return render_template("network/organisations.html", rows=services.organisations_with_counts())


@bp.route("/organisations/new", methods=["GET", "POST"], endpoint="organisation_new", defaults={"organisation_id": None})
@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"], endpoint="organisation_edit")
def organisation_form(organisation_id: int | None):
    organisation = db.get_or_404(Organisation, organisation_id) if organisation_id is not None else None
    form = OrganisationForm(organisation=organisation)
    if form.validate_on_submit():
        if save_or_field_error(lambda: services.save_organisation(organisation, form.data), form.name,
                               _("There is already an organisation with this name.")):
            if organisation is None:
                flash(_("Organisation “%(name)s” created.", name=form.name.data), "success")
            else:
                flash(_("Organisation “%(name)s” saved.", name=form.name.data), "success")
            return redirect(url_for("network.organisations"))
    return render_form("network/organisation_form.html", form, organisation=organisation,
                       contacts=organisation.contacts if organisation else [])


@bp.route("/organisations/<int:organisation_id>/delete", methods=["POST"])
def organisation_delete(organisation_id: int):
    organisation = db.get_or_404(Organisation, organisation_id)
    if not services.delete_organisation(organisation):
        flash(_("“%(name)s” still has contacts. Move or delete its contacts first; then the organisation can be "
                "deleted.", name=organisation.name), "error")
        return redirect(url_for("network.organisation_edit", organisation_id=organisation.id), 303)
    db.session.commit()
    flash(_("Organisation deleted."), "success")
    return redirect(url_for("network.organisations"))


# --- contacts --------------------------------------------------------------------------

@bp.route("/contacts/")
def contacts():
    filters = ContactFilterForm(formdata=request.args)
    filters.validate()
    # A filter that does not fit (an organisation deleted meanwhile) is ignored, not an error page.
    search = filters.q.data if not filters.q.errors else None
    organisation_id = filters.organisation.data if not filters.organisation.errors else None
    language = filters.language.data if not filters.language.errors else None
    query = services.contacts_query(search=search or None, organisation_id=organisation_id, language=language or None)
    page = db.paginate(query, page=page_number(), per_page=CONTACTS_PER_PAGE, error_out=False, count=True)
    args = {key: value for key, value in (("q", search), ("organisation", organisation_id), ("language", language))
            if value}
    return render_template("network/contacts.html", filters=filters, page=page, page_args=args,
                           filtered=bool(args))


@bp.route("/contacts/new", methods=["GET", "POST"], endpoint="contact_new", defaults={"contact_id": None})
@bp.route("/contacts/<int:contact_id>", methods=["GET", "POST"], endpoint="contact_edit")
def contact_form(contact_id: int | None):
    contact = db.get_or_404(Contact, contact_id) if contact_id is not None else None
    form = ContactForm(contact=contact)
    if form.validate_on_submit():
        if save_or_field_error(lambda: services.save_contact(contact, form.data), form.email,
                               _("There is already a contact with this email address.")):
            if contact is None:
                flash(_("Contact “%(name)s” created.", name=form.name.data), "success")
            else:
                flash(_("Contact “%(name)s” saved.", name=form.name.data), "success")
            return redirect(url_for("network.contacts"))
    return render_form("network/contact_form.html", form, contact=contact)


@bp.route("/contacts/<int:contact_id>/delete", methods=["POST"])
def contact_delete(contact_id: int):
    contact = db.get_or_404(Contact, contact_id)
    services.delete_contact(contact)
    db.session.commit()
    flash(_("Contact deleted."), "success")
    return redirect(url_for("network.contacts"))


@bp.route("/contacts/import", methods=["GET", "POST"])
def contacts_import():
    form = ImportUploadForm()
    if form.validate_on_submit():
        try:
            text = services.decode_upload(form.file.data.read())
            plan = services.plan_import(text)
        except services.ImportFileError as error:
            form.file.errors.append(error.message)
        else:
            confirm = ImportConfirmForm(formdata=None, payload=services.sign_import(text, current_app.config["SECRET_KEY"]))
            # Nothing is written here: the preview only reads.
            status = 200 if plan.importable else 422
            return render_template("network/import_preview.html", plan=plan, confirm=confirm,
                                   filename=form.file.data.filename), status
    return render_form("network/import.html", form)


@bp.route("/contacts/import/confirm", methods=["POST"])
def contacts_import_confirm():
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        text = services.unsign_import(form.payload.data, current_app.config["SECRET_KEY"])
    except SignatureExpired:
        flash(_("The preview is too old. Please upload the file again."), "error")
        return redirect(url_for("network.contacts_import"), 303)
    except BadSignature:
        abort(400)
    try:
        plan = services.plan_import(text)
    except services.ImportFileError as error:
        flash(error.message, "error")
        return redirect(url_for("network.contacts_import"), 303)
    result = services.apply_import(plan)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(_("Someone changed the contacts while you were importing; nothing was imported. Please upload the "
                "file again."), "error")
        return redirect(url_for("network.contacts_import"), 303)
    flash(_("Import finished. New contacts: %(created)d; updated: %(updated)d; lines skipped because of errors: "
            "%(skipped)d.", created=result.created, updated=result.updated, skipped=result.skipped),
          "success" if not result.skipped else "warning")
    if result.organisations_created:
        flash(ngettext("%(num)d new organisation was created. It is not shown on the public Network page until you "
                       "edit it.",
                       "%(num)d new organisations were created. They are not shown on the public Network page until "
                       "you edit them.", result.organisations_created), "info")
    return redirect(url_for("network.contacts"))


# --- groups ------------------------------------------------------------------------------

@bp.route("/groups/")
def groups():
    return render_template("network/groups.html", rows=services.groups_with_counts())


@bp.route("/groups/<int:group_id>")
def group(group_id: int):
    group = db.get_or_404(Group, group_id)
    return render_template("network/group.html", group=group, members=services.group_members_list(group))


@bp.route("/groups/new", methods=["GET", "POST"], endpoint="group_new", defaults={"group_id": None})
@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"], endpoint="group_edit")
def group_form(group_id: int | None):
    group = db.get_or_404(Group, group_id) if group_id is not None else None
    form = GroupForm(group=group)
    if form.validate_on_submit():
        saved = save_or_field_error(lambda: services.save_group(group, form.data), form.name,
                                    _("There is already a group with this name."))
        if saved is not None:
            if group is None:
                flash(_("Group “%(name)s” created.", name=saved.name), "success")
            else:
                flash(_("Group “%(name)s” saved.", name=saved.name), "success")
            return redirect(url_for("network.group", group_id=saved.id))
    return render_form("network/group_form.html", form, group=group)


@bp.route("/groups/<int:group_id>/delete", methods=["POST"])
def group_delete(group_id: int):
    group = db.get_or_404(Group, group_id)
    services.delete_group(group)
    db.session.commit()
    flash(_("Group deleted."), "success")
    return redirect(url_for("network.groups"))
