"""The cluster's pages (/about, /privacy), the contact form (/contact), /sitemap.xml,
/robots.txt and the embeddable list of events (``pages``); the organiser's pages to edit
them, read the messages and copy the embed snippet (``pages_manage``)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from meetings.auth.access import require_organiser
from meetings.blog.services import visible_posts_query
from meetings.core.markdown import render_markdown
from meetings.core.routing import absolute_url
from meetings.core.views import render_form
from meetings.events.languages import in_language
from meetings.events.public import reader_language
from meetings.events.queries import public_meetings_query, topic_by_slug, upcoming_public_meetings
from meetings.events.queries import topics_with_public_meetings
from meetings.extensions import db, limiter
from meetings.pages import seo, services
from meetings.registration import services as registration
from meetings.pages.defaults import page_title
from meetings.pages.forms import MAX_EMBED_ITEMS, ContactForm, EmbedForm, PageForm
from meetings.pages.models import ContactMessage
from meetings.pages.states import PageKey
from meetings.site.errors import render_error
from meetings.site.security import framing_policy

bp = Blueprint("pages", __name__)
manage = Blueprint("pages_manage", __name__, url_prefix="/manage/site")
manage.before_request(require_organiser)

PAGE_KEYS = "any(about, privacy)"
LANGUAGE_CODES = "any(en, de, nl)"
DEFAULT_EMBED_ITEMS = 5


def contact_limit() -> str:
    return current_app.config["CONTACT_RATE_LIMIT"]


def _language() -> str:
    return reader_language() or current_app.config["BABEL_DEFAULT_LOCALE"]


def _page(key: str):
    text = services.page_text(key, _language())
    return render_template("pages/page.html", page=text, body=render_markdown(text.body),
                           manage_url=url_for("pages_manage.edit", page_key=key, language=_language())
                           if current_user.is_authenticated else None)


@bp.route("/about")
def about():
    return _page(PageKey.ABOUT)


@bp.route("/privacy")
def privacy():
    return _page(PageKey.PRIVACY)


@bp.route("/contact", methods=["GET", "POST"])
@limiter.limit(contact_limit, methods=["POST"])
def contact():
    form = ContactForm()
    if not form.is_submitted():
        form.language.data = _language()
    if form.is_submitted() and form.homepage.data:
        # Only a bot fills in the hidden field: it is told all went well and nothing is kept.
        return redirect(url_for("pages.contact_sent"), code=303)
    if form.validate_on_submit():
        services.record_contact_message(services.ContactData(
            name=form.name.data, email=form.email.data, organisation=form.organisation.data or None,
            subject=form.subject.data, message=form.message.data, language=form.language.data))
        db.session.commit()
        return redirect(url_for("pages.contact_sent"), code=303)
    return render_form("pages/contact.html", form)


@bp.route("/contact/sent")
def contact_sent():
    return render_template("pages/contact_sent.html")


def _sitemap_entries() -> list:
    entries = [("site.home", {}, None), ("pages.about", {}, services.last_changed(PageKey.ABOUT)),
               ("events_public.index", {}, None), ("blog.index", {}, None), ("network_public.index", {}, None),
               ("pages.contact", {}, None), ("pages.privacy", {}, services.last_changed(PageKey.PRIVACY))]
    for meeting in db.session.scalars(public_meetings_query()):
        entries.append(("events_public.detail", {"slug": meeting.slug}, meeting.updated_at))
    for post in db.session.scalars(visible_posts_query()):
        entries.append(("blog.post", {"slug": post.slug}, post.updated_at))
    return entries


@bp.route("/sitemap.xml")
def sitemap():
    return Response(seo.sitemap(_sitemap_entries()), mimetype="application/xml")


@bp.route("/robots.txt")
def robots():
    return Response(seo.robots_txt(), mimetype="text/plain")


class EmbedError(ValueError):
    """A parameter of /embed/events that cannot be used; the message says which and why."""


def _embed_arguments() -> tuple:
    """topic, language and limit of /embed/events; :class:`EmbedError` for a bad one."""
    args = request.args
    topic = None
    if args.get("topic"):
        slug = args["topic"]
        topic = topic_by_slug(slug) if len(slug) <= 120 and slug.isprintable() else None
        if topic is None:
            raise EmbedError(_("There is no topic with this address."))
    language = args.get("lang") or _language()
    if language not in current_app.config["LANGUAGES"]:
        raise EmbedError(_("The language must be one of: %(languages)s.",
                           languages=", ".join(current_app.config["LANGUAGES"])))
    raw = args.get("limit") or str(DEFAULT_EMBED_ITEMS)
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= MAX_EMBED_ITEMS):
        raise EmbedError(_("The limit must be a whole number from 1 to %(most)s.", most=str(MAX_EMBED_ITEMS)))
    return topic, language, int(raw)


@bp.route("/embed/events")
def embed_events():
    try:
        topic, language, limit = _embed_arguments()
    except EmbedError as exc:
        body, status = render_error(400, str(exc))
        response = Response(body, status=status)
    else:
        meetings = [in_language(m, language) for m in upcoming_public_meetings(limit=limit, topic=topic)]
        response = Response(render_template("pages/embed.html", meetings=meetings, topic=topic, language=language,
                                            all_url=absolute_url("events_public.index",
                                                                 **({"topic": topic.slug} if topic else {}))))
    # Only this page may sit in a frame, and only on the partner sites listed in EMBED_ORIGINS.
    response.headers["Content-Security-Policy"] = framing_policy(current_app.config["EMBED_ORIGINS"])
    return response


# --- the organiser's side ------------------------------------------------------------

@manage.route("/pages")
def pages():
    keys = list(PageKey)
    return render_template("pages/manage/index.html", keys=keys, titles={k: page_title(k) for k in keys},
                           texts={k: {lang: services.written_text(k, lang) for lang in current_app.config["LANGUAGES"]}
                                  for k in keys})


@manage.route(f"/pages/<{PAGE_KEYS}:page_key>/<{LANGUAGE_CODES}:language>", methods=["GET", "POST"])
def edit(page_key: str, language: str):
    text = services.written_text(page_key, language)
    form = PageForm(data={"title": text.title, "body": text.body})
    if form.validate_on_submit():
        services.save_page(page_key, language, title=form.title.data, body=form.body.data)
        db.session.commit()
        flash(_("The page is saved."), "success")
        return redirect(url_for("pages_manage.edit", page_key=page_key, language=language), code=303)
    preview = render_markdown(form.body.data) if form.body.data and not form.errors else None
    return render_form("pages/manage/edit.html", form, page_key=page_key, language=language, text=text,
                       title=page_title(page_key), preview=preview,
                       public_url=url_for(f"pages.{page_key}", lang=language))


@manage.route("/messages")
def messages():
    return render_template("pages/manage/messages.html", messages=services.contact_messages())


@manage.route("/messages/<int:contact_message_id>")
def message(contact_message_id: int):
    return render_template("pages/manage/message.html", message=db.get_or_404(ContactMessage, contact_message_id))


@manage.route("/embed")
def embed():
    form = EmbedForm(request.args)
    form.set_topics(topics_with_public_meetings())
    if not request.args:
        form.lang.data = str(get_locale() or "en")
    values = {}
    if form.validate():
        values = {"lang": form.lang.data, "limit": form.limit.data or DEFAULT_EMBED_ITEMS}
        if form.topic.data:
            values["topic"] = form.topic.data
    src = absolute_url("pages.embed_events", **values) if values else None
    return render_template("pages/manage/embed.html", form=form, src=src,
                           origins=current_app.config["EMBED_ORIGINS"]), 200 if values or not request.args else 400


# --- what the meeting and post pages put in their <head> -------------------------------

def event_structured_data(meeting) -> Markup:
    """The public meeting's schema.org Event as a JSON-LD script element (nothing for others)."""
    original = getattr(meeting, "original", meeting)
    if not original.is_public:
        return Markup("")
    state = registration.registration_state(original)
    free = registration.free_places(original) if original.capacity else None
    return seo.json_ld(seo.event_data(original, _language(), registration_open=state == "open",
                                      register_url=absolute_url("registration.register", slug=original.slug),
                                      free_places=free))


@bp.app_context_processor
def _head_helpers() -> dict:
    return {"event_structured_data": event_structured_data, "short_text": seo.short_text, "absolute_url": absolute_url}
