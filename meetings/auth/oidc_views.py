"""Signing in at a partner's OpenID Connect provider, and the administrators' pages that say
who may: identities linked to accounts, email domains let in per provider."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from meetings.auth.access import require_admin, safe_next, start_session
from meetings.auth.forms import LinkIdentityForm, SignInDomainForm, UserForm
from meetings.auth.identities import (AlreadyLinked, AlreadyListed, IdentityError, add_domain, identities_of,
                                      link_identity, remove_domain, sign_in_domains, unlink_identity,
                                      user_for_sign_in)
from meetings.auth.models import LinkedIdentity, SignInDomain, User
from meetings.auth.oidc import (Refusal, SignInRefused, claims_from_callback, label, provider_or_404, providers,
                                redirect_to_provider)
from meetings.core.views import render_form
from meetings.extensions import db, limiter

bp = Blueprint("oidc", __name__)
bp.add_app_template_global(label, "provider_label")

NEXT_KEY = "oidc_next"

# Each refusal: its HTTP status and what the person is told (%(provider)s: the button's label).
REFUSALS = {
    Refusal.UNREACHABLE: (502, _l("%(provider)s cannot be reached right now. Please try again later.")),
    Refusal.WRONG_DISCOVERY: (502, _l("%(provider)s is not set up correctly here: its discovery document names "
                                      "another issuer. Please tell an administrator.")),
    Refusal.FORGED_STATE: (400, _l("This sign-in answer does not belong to a sign-in started in this browser, "
                                   "or it was used already. Please start the sign-in again.")),
    Refusal.PROVIDER_ERROR: (403, _l("%(provider)s did not sign you in.")),
    Refusal.CODE_REFUSED: (400, _l("%(provider)s did not accept the sign-in code: it was used already or has "
                                   "expired. Please start the sign-in again.")),
    Refusal.TOKEN_INVALID: (403, _l("The answer of %(provider)s could not be verified (its issuer, audience, "
                                    "signature or validity is wrong), so you are not signed in.")),
    Refusal.NO_ID_TOKEN: (403, _l("%(provider)s sent no verified identity, so you are not signed in.")),
    Refusal.ACCOUNT_DISABLED: (403, _l("Your organiser account is disabled. Please ask an administrator.")),
    Refusal.UNKNOWN_IDENTITY: (403, _l("Your account at %(provider)s is not linked to an organiser account here. "
                                       "Please ask an administrator to link it, giving them this identity.")),
    Refusal.UNVERIFIED_EMAIL: (403, _l("%(provider)s has not verified your email address, so no organiser "
                                       "account can be made for it.")),
    Refusal.EMAIL_TAKEN: (409, _l("There is an organiser account with your email address already, but it is "
                                  "not linked to your account at %(provider)s. Please ask an administrator "
                                  "to link it.")),
}


def _refused(provider: dict, refusal: SignInRefused):
    status, message = REFUSALS[refusal.reason]
    return render_template("auth/sign_in_refused.html", message=message % {"provider": label(provider)},
                           provider=provider, refusal=refusal, reason=Refusal), status


def callback_url(name: str) -> str:
    """The address the provider sends the person back to (registered at the provider as is)."""
    return current_app.config["BASE_URL"] + url_for("oidc.callback", name=name)


@bp.route("/login/oidc/<name>")
def start(name: str):
    provider = provider_or_404(name)
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("events.index")))
    session[NEXT_KEY] = safe_next(url_for("events.index"))
    try:
        return redirect_to_provider(provider, callback_url(name))
    except SignInRefused as refusal:
        return _refused(provider, refusal)


@bp.route("/login/oidc/<name>/callback")
@limiter.limit("20 per minute")
def callback(name: str):
    provider = provider_or_404(name)
    try:
        claims = claims_from_callback(provider)
        user = user_for_sign_in(provider["issuer"], claims)
    except SignInRefused as refusal:
        db.session.rollback()
        return _refused(provider, refusal)
    db.session.commit()
    target = session.pop(NEXT_KEY, None) or url_for("events.index")
    start_session(user, remember=False)
    return redirect(target)


# --- administrators: linked identities -------------------------------------------

def _provider_choices() -> list[tuple[str, str]]:
    return [(provider["name"], label(provider)) for provider in providers()]


def provider_names() -> dict[str, str]:
    """Issuer -> label of every configured provider, for the administrators' lists."""
    return {provider["issuer"]: label(provider) for provider in providers()}


def link_form() -> LinkIdentityForm:
    form = LinkIdentityForm()
    form.provider.choices = _provider_choices()
    return form


@bp.route("/manage/accounts/<int:user_id>/identities", methods=["POST"])
@login_required
def identity_add(user_id: int):
    require_admin()
    user = db.get_or_404(User, user_id)
    form = link_form()
    if form.validate_on_submit():
        provider = provider_or_404(form.provider.data)
        try:
            link_identity(user, provider["issuer"], form.subject.data)
        except AlreadyLinked:
            form.subject.errors.append(_("This identity is linked to an account already."))
        except IdentityError:
            form.subject.errors.append(_("Please enter the subject."))
        else:
            db.session.commit()
            flash(_("Identity linked."), "success")
            return redirect(url_for("auth.user_edit", user_id=user.id)), 303
    # The errors are the link form's; the account form beside it is shown as it is.
    return render_template("auth/user_form.html", form=UserForm(obj=user), user=user, link_form=form,
                           identities=identities_of(user), provider_names=provider_names()), 422


@bp.route("/manage/accounts/identities/<int:identity_id>/delete", methods=["POST"])
@login_required
def identity_remove(identity_id: int):
    require_admin()
    identity = db.get_or_404(LinkedIdentity, identity_id)
    user_id = identity.user_id
    unlink_identity(identity)
    db.session.commit()
    flash(_("Link removed."), "success")
    return redirect(url_for("auth.user_edit", user_id=user_id)), 303


# --- administrators: email domains let in ---------------------------------------

@bp.route("/manage/accounts/sign-in-domains", methods=["GET", "POST"])
@login_required
def domains():
    require_admin()
    form = SignInDomainForm()
    form.provider.choices = _provider_choices()
    if form.validate_on_submit():
        provider = provider_or_404(form.provider.data)
        try:
            add_domain(provider["issuer"], form.domain.data)
        except IdentityError as error:
            form.domain.errors.append(_("This domain is listed for this provider already.")
                                      if isinstance(error, AlreadyListed)
                                      else _("Please enter a domain name such as partner.example."))
        else:
            db.session.commit()
            flash(_("Domain added."), "success")
            return redirect(url_for("oidc.domains")), 303
    return render_form("auth/sign_in_domains.html", form, entries=sign_in_domains(),
                       provider_names=provider_names())


@bp.route("/manage/accounts/sign-in-domains/<int:entry_id>/delete", methods=["POST"])
@login_required
def domain_remove(entry_id: int):
    require_admin()
    remove_domain(db.get_or_404(SignInDomain, entry_id))
    db.session.commit()
    flash(_("Domain removed."), "success")
    return redirect(url_for("oidc.domains")), 303

