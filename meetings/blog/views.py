"""The public blog (``blog``: /blog/, /blog/<slug>, /blog/feed.atom) and the organisers'
post pages (``blog_manage``: /manage/posts/)."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meetings.auth.access import require_organiser
from meetings.blog.forms import DeleteForm, PostForm, PublishForm
from meetings.blog.models import Post, PostStatus
from meetings.blog.services import (all_posts, atom_feed, create_followup_post, create_post, delete_post, excerpt,
                                    latest_posts, meeting_posts, post_for_meeting, posts_page, publish_post,
                                    redraft_followup_post, save_post, slug_taken, unpublish_post, visible_post)
from meetings.core.formatting import datetime_short
from meetings.core.markdown import render_markdown
from meetings.core.timezones import LocalTimeError, to_utc
from meetings.core.types import utcnow
from meetings.core.views import page_number, render_form, save_or_field_error
from meetings.events.models import Meeting
from meetings.events.public import get_meeting_or_404
from meetings.extensions import db
from meetings.followup.forms import DraftForm
from meetings.followup.pages import minutes_page

bp = Blueprint("blog", __name__, url_prefix="/blog")
manage = Blueprint("blog_manage", __name__, url_prefix="/manage/posts")
manage.before_request(require_organiser)
# The "Draft follow-up post" button of a meeting's minutes page writes a post from its record.
record_drafts = Blueprint("blog_drafts", __name__, url_prefix="/manage/meetings")
record_drafts.before_request(require_organiser)

MAX_SLUG_LENGTH = 120


@bp.app_template_global()
def meeting_post(meeting):
    """The meeting's visible post, for links from meeting pages."""
    return post_for_meeting(meeting) if meeting is not None and meeting.id else None


@bp.app_template_global("meeting_posts")
def meeting_posts_of(meeting):
    """Every post of the meeting, drafts first, for the meeting's minutes page."""
    return meeting_posts(meeting)


@bp.app_template_global()
def home_posts(limit: int = 3):
    """The newest posts the public may read, for the home page."""
    return latest_posts(limit)


@bp.app_template_filter("excerpt")
def excerpt_filter(post: Post) -> str:
    """A post's opening words as plain text."""
    return excerpt(post)


# --- public ---------------------------------------------------------------------

@bp.route("/")
def index():
    page = posts_page(page_number())
    if page is None:
        abort(404)
    return render_template("blog/index.html", page=page)


@bp.route("/feed.atom")
def feed():
    return Response(atom_feed(), mimetype="application/atom+xml")


@bp.route("/<slug>")
def post(slug: str):
    found = visible_post(slug) if 0 < len(slug) <= MAX_SLUG_LENGTH and slug.isprintable() else None
    if found is None:
        abort(404)
    return render_template("blog/post.html", post=found, meeting=found.meeting,
                           manage_url=url_for("blog_manage.edit", post_id=found.id)
                           if current_user.is_authenticated else None)


# --- organisers -----------------------------------------------------------------

@manage.route("/")
def posts():
    return render_template("blog/manage/index.html", posts=all_posts())


def _save(form: PostForm, post: Post | None) -> Post | None:
    data = form.data
    taken = _("Another post already uses this address. Choose another one.")
    if data["slug"] and slug_taken(data["slug"], exclude_id=post.id if post else None):
        form.slug.errors.append(taken)
        return None
    return save_or_field_error(lambda: create_post(data) if post is None else save_post(post, data),
                               form.slug, taken)


@manage.route("/new", methods=["GET", "POST"])
def new():
    form = PostForm()
    preview = None
    if form.validate_on_submit():
        if "preview" in request.form:
            preview = render_markdown(form.body.data)
        else:
            saved = _save(form, None)
            if saved is not None:
                flash(_("Post “%(title)s” saved as a draft.", title=saved.title), "success")
                return redirect(url_for("blog_manage.edit", post_id=saved.id))
    return render_form("blog/manage/edit.html", form, post=None, preview=preview, publish_form=None)


def _post_or_404(post_id: int) -> Post:
    return db.get_or_404(Post, post_id)


@manage.route("/<int:post_id>", methods=["GET", "POST"])
def edit(post_id: int):
    post = _post_or_404(post_id)
    form = PostForm(obj=post)
    preview = None
    if form.validate_on_submit():
        if "preview" in request.form:
            preview = render_markdown(form.body.data)
        elif _save(form, post) is not None:
            flash(_("Post “%(title)s” saved.", title=post.title), "success")
            return redirect(url_for("blog_manage.edit", post_id=post.id))
    return render_form("blog/manage/edit.html", form, post=post, preview=preview, publish_form=PublishForm(formdata=None))


def _zone(post: Post) -> str:
    return post.meeting.timezone if post.meeting else current_app.config["DEFAULT_TIMEZONE"]


@manage.route("/<int:post_id>/publish", methods=["POST"])
def publish(post_id: int):
    post = _post_or_404(post_id)
    publish_form = PublishForm()
    if publish_form.validate_on_submit():
        at = None
        if publish_form.when.data == "later":
            try:
                at = to_utc(datetime.combine(publish_form.publish_date.data, publish_form.publish_time.data),
                            _zone(post))
            except LocalTimeError:
                publish_form.publish_time.errors.append(
                    _("This time does not exist or occurs twice on that day (daylight saving). Choose another."))
        if not publish_form.errors:
            queued = publish_post(post, at, notify=publish_form.notify.data)
            db.session.commit()
            if post.status == PostStatus.PUBLISHED:
                flash(_("Post published."), "success")
            else:
                flash(_("Post scheduled for %(when)s.", when=_format_local(post)), "success")
            if queued:
                flash(ngettext("%(num)d email is in the outbox.", "%(num)d emails are in the outbox.", queued), "info")
            return redirect(url_for("blog_manage.edit", post_id=post.id))
    return render_template("blog/manage/edit.html", form=PostForm(formdata=None, obj=post), post=post, preview=None,
                           publish_form=publish_form), 422


def _format_local(post: Post) -> str:
    return datetime_short(post.publish_at, _zone(post))


@manage.route("/<int:post_id>/unpublish", methods=["POST"])
def unpublish(post_id: int):
    post = _post_or_404(post_id)
    unpublish_post(post)
    db.session.commit()
    flash(_("The post is a draft again and no longer public."), "success")
    return redirect(url_for("blog_manage.edit", post_id=post.id))


@manage.route("/<int:post_id>/delete", methods=["GET", "POST"])
def delete(post_id: int):
    post = _post_or_404(post_id)
    form = DeleteForm()
    # Deleting cannot be undone: only the confirmation page's own button deletes.
    if not form.validate_on_submit() or form.confirm.data != "yes":
        return render_template("blog/manage/delete.html", post=post, form=DeleteForm(formdata=None))
    delete_post(post)
    db.session.commit()
    flash(_("Post deleted."), "success")
    return redirect(url_for("blog_manage.posts"))


# --- a post drafted from a meeting's record -------------------------------------------

def _draft_question(meeting: Meeting, form: DraftForm, existing, status: int = 200):
    """The meeting already has posts in the chosen language: open one, or write the draft again."""
    drafts = [post for post in existing if post.status == PostStatus.DRAFT]
    return render_template("followup/draft_exists.html", meeting=meeting, form=form, existing=existing,
                           draft=drafts[0] if drafts else None), status


@record_drafts.route("/<int:meeting_id>/record/draft", methods=["POST"])
def draft(meeting_id: int):
    meeting = get_meeting_or_404(meeting_id)
    form = DraftForm()
    if not form.validate_on_submit():
        return minutes_page(meeting, draft_form=form)
    if meeting.starts_at > utcnow():
        # The draft tells what happened; before the meeting nothing has.
        form.language.errors.append(_("The meeting has not taken place yet: draft its post once it has."))
        page, _status = minutes_page(meeting, draft_form=form)
        return page, 409
    existing = meeting_posts(meeting, form.language.data)
    drafts = [post for post in existing if post.status == PostStatus.DRAFT]
    if form.replace.data is not None:
        post = next((post for post in drafts if post.id == form.replace.data), None)
        if post is None:
            # Published, deleted or changed language since the question was asked.
            form.replace.errors.append(_("That draft is no longer a draft of this meeting in this language. "
                                         "Choose again."))
            return _draft_question(meeting, form, existing, 409)
        redraft_followup_post(post)
        db.session.commit()
        flash(_("The draft was written again from the record. Check and edit it before publishing."), "success")
        return redirect(url_for("blog_manage.edit", post_id=post.id))
    # Drafting twice would make identical copies: ask first. A separate draft beside
    # published posts is made only when asked for, and never beside a draft.
    if existing and (drafts or form.separate.data != "1"):
        return _draft_question(meeting, form, existing)
    post = create_followup_post(meeting, form.language.data)
    db.session.commit()
    flash(_("A draft of the follow-up post was written from the record. Check and edit it before publishing."),
          "success")
    return redirect(url_for("blog_manage.edit", post_id=post.id))
