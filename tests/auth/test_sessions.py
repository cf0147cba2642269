"""Sessions end when they should: logout, a password change, and an administrator
disabling or resetting an account end every session and remember-me cookie of that
account at once, copies included; the CSRF token is renewed at login."""
from __future__ import annotations

import pytest

from meetings.auth.models import User
from meetings.extensions import db
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token_from, get_csrf, login, post_form, text_of

NEW_PASSWORD = "a brand new password"
COOKIES = ("session", "remember_token")


def log_in_remembered(client, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in with "keep me logged in"; the session and remember cookies the browser now holds."""
    response = post_form(client, "/login", {"email": email, "password": password, "remember": "y"})
    assert response.status_code == 302, text_of(response)[:2000]
    return {name: client.get_cookie(name).value for name in COOKIES}


def visit_with(app, name: str, value: str, path: str = "/manage/profile"):
    """A browser that holds nothing but one copied cookie opens an organiser page."""
    browser = app.test_client()
    browser.set_cookie(name, value)
    return browser.get(path)


def assert_sent_to_login(response) -> None:
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def profile_form(user: User, **changes) -> dict:
    return {"name": user.name, "language": user.language, "current_password": "", "password": "",
            "confirm": "", **changes}


def account_form(user: User, **changes) -> dict:
    data = {"name": user.name, "email": user.email, "language": user.language, "password": "", "confirm": ""}
    if user.is_admin:
        data["is_admin"] = "y"
    if user.active:
        data["active"] = "y"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def logout(app, browser, user):
    assert post_form(browser, "/logout", form_url="/manage/profile").status_code == 302


def own_password_change(app, browser, user):
    response = post_form(browser, "/manage/profile",
                         profile_form(user, current_password=PASSWORD, password=NEW_PASSWORD, confirm=NEW_PASSWORD))
    assert response.status_code == 302


def _as_admin(app, *changes: dict):
    make_user(email="second.admin@example.org", is_admin=True)
    admin = app.test_client()
    login(admin, "second.admin@example.org", PASSWORD)
    user = db.session.scalar(db.select(User).where(User.email == "organiser@example.org"))
    for change in changes:
        response = post_form(admin, f"/manage/accounts/{user.id}", account_form(user, **change))
        assert response.status_code == 302, text_of(response)[:2000]
        db.session.expire_all()


def admin_disables_and_enables_again(app, browser, user):
    _as_admin(app, {"active": None}, {"active": "y"})
    assert db.session.get(User, user.id).active


def admin_resets_the_password(app, browser, user):
    _as_admin(app, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})


ENDINGS = [logout, own_password_change, admin_disables_and_enables_again, admin_resets_the_password]


@pytest.mark.parametrize("ending", ENDINGS, ids=[ending.__name__ for ending in ENDINGS])
def test_copied_session_and_remember_cookies_stop_working(app, client, organiser, ending):
    copied = log_in_remembered(client, organiser.email)
    for name, value in copied.items():  # each copy alone opens the organiser pages...
        assert visit_with(app, name, value).status_code == 200, name

    ending(app, client, organiser)

    for name, value in copied.items():  # ...and none of them does any more
        assert_sent_to_login(visit_with(app, name, value))
    assert_sent_to_login(visit_with(app, "remember_token", copied["remember_token"], "/manage/meetings/"))


def test_a_copied_cookie_stops_working_in_every_browser_of_the_account(app, client, organiser):
    elsewhere = app.test_client()
    login(elsewhere, organiser.email, PASSWORD)
    log_in_remembered(client, organiser.email)
    logout(app, client, organiser)
    assert_sent_to_login(elsewhere.get("/manage/profile"))


def test_own_password_change_keeps_the_current_session(app, client, organiser):
    copied = log_in_remembered(client, organiser.email)
    own_password_change(app, client, organiser)
    assert client.get("/manage/profile").status_code == 200
    # The browser that changed the password was kept logged in: its remember cookie is new and works.
    renewed = client.get_cookie("remember_token").value
    assert renewed != copied["remember_token"]
    assert visit_with(app, "remember_token", renewed).status_code == 200
    assert client.get_cookie("session").value != copied["session"]


def test_own_password_change_without_remember_sets_no_remember_cookie(app, client, organiser):
    login(client, organiser.email, PASSWORD)
    own_password_change(app, client, organiser)
    assert client.get("/manage/profile").status_code == 200
    assert client.get_cookie("remember_token") is None


def test_an_administrator_resetting_their_own_password_stays_logged_in(app, client, admin_user):
    copied = log_in_remembered(client, admin_user.email)
    response = post_form(client, f"/manage/accounts/{admin_user.id}",
                         account_form(admin_user, password=NEW_PASSWORD, confirm=NEW_PASSWORD))
    assert response.status_code == 302
    assert client.get("/manage/accounts/").status_code == 200
    for name, value in copied.items():
        assert_sent_to_login(visit_with(app, name, value))


def test_a_refused_password_change_ends_nothing(app, client, organiser):
    copied = log_in_remembered(client, organiser.email)
    response = post_form(client, "/manage/profile",
                         profile_form(organiser, current_password="not the password", password=NEW_PASSWORD,
                                      confirm=NEW_PASSWORD))
    assert response.status_code == 422
    for name, value in copied.items():
        assert visit_with(app, name, value).status_code == 200, name


def test_editing_an_account_without_password_or_deactivation_ends_nothing(app, client, organiser):
    copied = log_in_remembered(client, organiser.email)
    _as_admin(app, {"name": "Olga Neu"})
    for name, value in copied.items():
        assert visit_with(app, name, value).status_code == 200, name


def test_logging_in_again_after_logout_works(app, client, organiser):
    log_in_remembered(client, organiser.email)
    logout(app, client, organiser)
    copied = log_in_remembered(client, organiser.email)
    assert visit_with(app, "remember_token", copied["remember_token"]).status_code == 200


@pytest.mark.parametrize("login_id", ["", "1", "1.", ".x", "x.y", "1.not-the-token", "99.abc"])
def test_a_forged_login_id_is_anonymous(app, organiser, login_id):
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["_user_id"] = login_id
        session["_fresh"] = True
    assert_sent_to_login(browser.get("/manage/profile"))


def test_the_login_id_names_the_account_and_its_current_token(organiser):
    user = db.session.get(User, organiser.id)
    assert user.get_id() == f"{user.id}.{user.session_token}"
    assert len(user.session_token) >= 43
    other = make_user()
    assert other.session_token != user.session_token


# --- the CSRF token ----------------------------------------------------------------

def test_login_renews_the_csrf_token(client, organiser):
    before = get_csrf(client)
    with client.session_transaction() as session:
        raw_before = session["csrf_token"]
    login(client, organiser.email, PASSWORD)
    with client.session_transaction() as session:
        assert session.get("csrf_token") != raw_before
    # A token handed out before the login (to whoever saw the login page) no longer posts.
    refused = client.post("/logout", data={"csrf_token": before})
    assert refused.status_code == 400
    assert client.get("/manage/profile").status_code == 200
    after = csrf_token_from(text_of(client.get("/manage/profile")))
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302
