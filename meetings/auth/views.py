"""Login, logout, one's own profile, and the administrators' account pages."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import select

from meetings.auth.access import has_remember_cookie, require_admin, safe_next, start_session
from meetings.auth.forms import LoginForm, ProfileForm, UserForm
from meetings.auth.identities import identities_of
from meetings.auth.models import User
from meetings.auth.oidc import providers
from meetings.auth.oidc_views import link_form, provider_names
from meetings.auth.services import (AccountError, admin_count, authenticate, change_active, change_password,
                                    create_user, find_user)
from meetings.core.views import render_form
from meetings.extensions import db, limiter

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("events.index")))
    if not current_app.config["PASSWORD_LOGIN"]:
        # Only the providers' buttons; a password sent anyway is refused, whatever it is.
        status = 403 if request.method == "POST" else 200
        return render_template("auth/login.html", form=None, providers=providers(), refused=status == 403), status
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            start_session(user, remember=form.remember.data)
            return redirect(safe_next(url_for("events.index")))
        form.password.errors.append(_("Email or password is wrong."))
    return render_form("auth/login.html", form, providers=providers())


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Logging out here logs out everywhere: a copied session or remember cookie dies too.
        current_user.end_sessions()
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("site.home"))


@bp.route("/manage/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        if form.password.data:
            if not current_user.check_password(form.current_password.data or ""):
                form.current_password.errors.append(_("Your current password is needed to set a new one."))
                return render_form("auth/profile.html", form)
            change_password(current_user, form.password.data)
        current_user.name = form.name.data
        current_user.language = form.language.data
        db.session.commit()
        if form.password.data:
            # Every other session ended with the old password; this one goes on.
            start_session(current_user._get_current_object(), remember=has_remember_cookie())
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_form("auth/profile.html", form)


@bp.route("/manage/accounts/")
@login_required
def users():
    require_admin()
    accounts = db.session.scalars(select(User).order_by(User.name)).all()
    return render_template("auth/users.html", users=accounts)


@bp.route("/manage/accounts/new", methods=["GET", "POST"])
@login_required
def user_new():
    require_admin()
    form = UserForm()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("Please set a password for the new account."))
        else:
            try:
                create_user(form.email.data, form.name.data, form.password.data,
                            is_admin=form.is_admin.data, language=form.language.data)
            except AccountError:
                form.email.errors.append(_("There is already an account with this email."))
            else:
                db.session.commit()
                flash(_("Account created."), "success")
                return redirect(url_for("auth.users"))
    return render_form("auth/user_form.html", form, user=None)


@bp.route("/manage/accounts/<int:user_id>", methods=["GET", "POST"])
@login_required
def user_edit(user_id: int):
    require_admin()
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        other = find_user(form.email.data)
        losing_admin = user.is_admin and (not form.is_admin.data or not form.active.data)
        if other is not None and other.id != user.id:
            form.email.errors.append(_("There is already an account with this email."))
        elif losing_admin and admin_count(excluding=user) == 0:
            form.is_admin.errors.append(_("This is the last administrator; make someone else administrator first."))
        else:
            user.name = form.name.data
            user.email = form.email.data
            user.language = form.language.data
            user.is_admin = form.is_admin.data
            change_active(user, form.active.data)
            if form.password.data:
                change_password(user, form.password.data)
            db.session.commit()
            if user.id == current_user.id and user.active and form.password.data:
                start_session(user, remember=has_remember_cookie())
            flash(_("Account saved."), "success")
            return redirect(url_for("auth.users"))
    return render_form("auth/user_form.html", form, user=user, **_identity_context(user))


def _identity_context(user: User) -> dict:
    """The linked identities and the form to link one, when providers are configured."""
    if not providers():
        return {}
    return {"identities": identities_of(user), "link_form": link_form(), "provider_names": provider_names()}
