"""Markdown from people is rendered by one renderer with raw HTML sanitised: a corpus of
XSS payloads in posts, minutes, meeting descriptions and agenda notes, on every page that
shows them (and in the Atom feed), leaves no script, no event handler, no dangerous URL;
external links get rel="nofollow noopener"."""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import feedparser
import pytest

from meetings.core.markdown import render_markdown
from meetings.extensions import db
from meetings.followup.services import save_minutes
from tests.blog.helpers import make_post
from tests.followup.scenario import make_held_meeting
from tests.helpers import post_form, text_of

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" alt="" onerror="alert(1)"/>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<iframe src=javascript:alert(1)></iframe>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    "<a href='javascript&colon;alert(1)'>x</a>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![img](javascript:alert(1))",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>body{display:none}</style>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button formaction=javascript:alert(1)>go</button></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>x</details>",
    "<body onload=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<input autofocus onfocus=alert(1)>",
    '"><script>alert(1)</script>',
    "<<script>script>alert(1)<</script>/script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    '<a href="https://ok.example"><img src=x onerror=alert(1)></a>',
]

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "style", "base", "frame", "frameset", "applet", "svg",
                  "math", "noscript", "template", "details", "input", "textarea"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "srcdoc", "poster", "background", "xlink:href",
                  "content"}
SAFE_SCHEME = re.compile(r"^(https?:|mailto:|webcal:|/|#|\?|[a-z0-9._~-]+(/|$)|$)", re.IGNORECASE)


class Inspector(HTMLParser):
    """Collects every tag and attribute a browser would see that could run script.

    ``allowed`` lists tags the page itself legitimately has (its forms and fields)."""

    def __init__(self, allowed=()):
        super().__init__(convert_charrefs=True)
        self.allowed = set(allowed)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        # A JSON-LD block is data a browser never runs (the page's own structured data):
        # a payload that got out of it would show up as a tag of its own.
        data_block = tag == "script" and ("type", "application/ld+json") in attrs
        if tag in DANGEROUS_TAGS and tag not in self.allowed and not data_block:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and any(name == "http-equiv" for name, _value in attrs):
            self.problems.append("<meta http-equiv>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name == "style":
                self.problems.append(f"<{tag} style>")
            if name in URL_ATTRIBUTES and value is not None and not (tag == "meta" and name == "content"):
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                if tag == "link" and cleaned == "data:,":
                    continue  # the page's empty favicon
                if not SAFE_SCHEME.match(cleaned):
                    self.problems.append(f"<{tag} {name}={value!r}>")


def problems(html: str, allowed=()) -> list[str]:
    inspector = Inspector(allowed)
    inspector.feed(html)
    inspector.close()
    return inspector.problems


# The pages hold the app's own forms (registration, editing), whose texts in other
# languages fold away in a <details>; a payload's <details ontoggle> is still caught by its handler.
FORM_TAGS = {"input", "textarea", "details"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_renderer_removes_the_payload(payload):
    assert problems(str(render_markdown(payload))) == []


def test_inspector_catches_what_it_looks_for():
    # The check itself must be able to fail.
    for raw in ("<script>x</script>", '<img src=x onerror="a()">', '<a href=" javascript:a()">x</a>',
                '<a href="data:text/html,x">x</a>', '<p style="x">y</p>', "<svg></svg>"):
        assert problems(raw), raw


# Rendering does not depend on the database: one backend is enough for the whole corpus.
@pytest.mark.single_backend
@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_are_harmless_everywhere_they_are_shown(app, organiser_client, payload):
    held = make_held_meeting()
    meeting = held.meeting
    meeting.description = f"Marker-description\n\n{payload}"
    meeting.agenda_items[0].notes = f"Marker-agenda\n\n{payload}"
    save_minutes(meeting, {meeting.agenda_items[1].id: f"Marker-minutes\n\n{payload}"}, "", None, None)
    post = make_post("Safe post", body=f"Marker-post\n\n{payload}", meeting=meeting)
    db.session.commit()

    pages = {
        f"/events/{meeting.slug}": ("Marker-description", "Marker-agenda"),
        f"/manage/meetings/{meeting.id}": ("Marker-description", "Marker-agenda"),
        f"/manage/meetings/{meeting.id}/record/minutes": ("Marker-minutes",),
        f"/blog/{post.slug}": ("Marker-post",),
        "/blog/": ("Marker-post",),
        "/": ("Marker-post",),
    }
    for url, markers in pages.items():
        response = organiser_client.get(url)
        assert response.status_code == 200, url
        html = text_of(response)
        for marker in markers:
            assert marker in html, (url, marker)
        assert problems(html, allowed=FORM_TAGS) == [], url

    # The editor's preview.
    response = post_form(organiser_client, f"/manage/posts/{post.id}",
                         {"title": "Safe post", "slug": post.slug, "body": f"Marker-preview\n\n{payload}",
                          "language": "en", "preview": "1"})
    assert "Marker-preview" in text_of(response)
    assert problems(text_of(response), allowed=FORM_TAGS) == []

    # The feed carries the rendered post as escaped HTML: a reader that shows it must get the same safe HTML.
    feed = feedparser.parse(organiser_client.get("/blog/feed.atom").data)
    assert not feed.bozo
    content = feed.entries[0].content[0].value
    assert "Marker-post" in content and problems(content) == []
    assert problems(unescape(feed.entries[0].summary)) == []


def test_external_links_get_nofollow_noopener():
    html = str(render_markdown("[Partner](https://partner.example/page) and <a href=\"https://x.example\">x</a>"))
    assert '<a href="https://partner.example/page" rel="nofollow noopener">Partner</a>' in html
    assert '<a href="https://x.example" rel="nofollow noopener">x</a>' in html


def test_harmless_markdown_survives():
    html = str(render_markdown("# Title\n\n**bold** *em* `code`\n\n- a\n- b\n\n> quote\n\n"
                               "| a | b |\n|---|---|\n| 1 | 2 |\n\n[mail](mailto:info@example.org)"))
    for fragment in ("<h1>Title</h1>", "<strong>bold</strong>", "<em>em</em>", "<code>code</code>", "<li>a</li>",
                     "<blockquote>", "<table>", "<td>1</td>", 'href="mailto:info@example.org"'):
        assert fragment in html
