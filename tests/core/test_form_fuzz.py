"""Every form of the app, posted with generated bad values (control characters, blanks,
huge and odd text, impossible dates, times and zones), on SQLite and PostgreSQL: never a
5xx, and a refused post (4xx) creates no row.

The forms are found, not listed: every page is visited logged in and logged out, and
every POST endpoint of the app must have a form on some page. Hypothesis draws, for
each form, which one or two fields get a bad value (the others get what a person would
type, so the bad value gets past the rest of the form); its examples are derandomised,
so a run is the same every time.
"""
from __future__ import annotations

import itertools
import warnings

from sqlalchemy import event

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import HypothesisWarning
from hypothesis import strategies as st

from meetings.extensions import db
from tests import factories
from tests.core.fuzz import (BAD_VALUES, HUGE, NUL, FormSpec, _page_urls, discover, fresh_world, post_endpoints,
                             row_counts)
from tests.helpers import csrf_token_from, post_form, text_of

EXAMPLES_PER_FIELD = 2
MAX_EXAMPLES = 12
MIN_EXAMPLES = 3

# Odd text beyond the fixed values: any code point (controls and NUL included) but
# lone surrogates, which a browser cannot send.
odd_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
bad_value = st.one_of(st.sampled_from(BAD_VALUES), odd_text, st.just(HUGE))


class Fuzzer:
    """Posts to the forms, keeping the world fresh: a post that was taken changed it."""

    def __init__(self, app):
        self.app = app
        self.addresses = itertools.count(1)
        self.posts = 0
        self.dirty = True
        self.clients = {}
        self.resets = 0

    def reset(self):
        self.resets += 1
        self.world = fresh_world(self.app)
        anonymous = self.app.test_client()
        organiser = self.app.test_client()
        response = post_form(organiser, "/login", {"email": "organiser@example.org", "password": factories.PASSWORD},
                             environ_base=self._address())
        assert response.status_code == 302, response.status_code
        self.clients = {False: anonymous, True: organiser}
        self.tokens = {}
        self.dirty = False

    def _address(self) -> dict:
        # Each post from its own address: the rate limits are not what is tested here.
        n = next(self.addresses)
        return {"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}

    def post(self, spec: FormSpec, data: dict):
        """Post ``data``; returns (status, rows before, rows after). An exception in the
        app (TESTING propagates them) counts as a 500."""
        if self.dirty:
            self.reset()
        client = self.clients[spec.logged_in]
        if spec.page not in self.tokens:
            self.tokens[spec.page] = csrf_token_from(text_of(client.get(spec.page)))
        before = row_counts()
        self.posts += 1
        try:
            response = client.post(spec.action, data={**data, "csrf_token": self.tokens[spec.page]},
                                   environ_base=self._address())
            status = response.status_code
        except Exception as exc:  # noqa: BLE001 - the point is to see every one
            self.dirty = True
            return 500, repr(exc)[:300], before, None
        after = row_counts()
        # A post that was taken and added or removed rows changed the world the next posts
        # rely on, and so did one that ended the organiser's session (an account switched
        # off): start again from the seeded world.
        if after != before or response.headers.get("Location", "").startswith("/login"):
            self.dirty = True
        return status, "", before, after


def form_data(spec: FormSpec):
    """One post: every field as a person would fill it, one or two of them bad."""
    names = sorted(spec.fields)
    if not names:
        return st.fixed_dictionaries({"unexpected": bad_value})

    def build(choice):
        bad, values = choice
        data = {}
        for name in names:
            f = spec.fields[name]
            data[name] = values[name] if name in bad else f.value
        return data

    return (st.sets(st.sampled_from(names), min_size=1, max_size=min(2, len(names)))
            .flatmap(lambda bad: st.tuples(st.just(bad),
                                           st.fixed_dictionaries({name: bad_value for name in bad})))
            .map(build))


def fuzz_form(fuzzer: Fuzzer, spec: FormSpec) -> list[str]:
    """Problems found in one form (empty when none)."""
    problems: list[str] = []
    examples = max(MIN_EXAMPLES, min(MAX_EXAMPLES, EXAMPLES_PER_FIELD * len(spec.fields)))

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(form_data(spec))
    def check(data):
        status, error, before, after = fuzzer.post(spec, data)
        shown = {k: (v[:60] + f"...({len(v)})" if isinstance(v, str) and len(v) > 60 else v)
                 for k, v in data.items()}
        assert status < 500, f"{status} {error} for {shown!r}"
        if 400 <= status < 500:
            assert after == before, f"{status} but rows were created: {before} -> {after} for {shown!r}"

    try:
        with warnings.catch_warnings():
            # A failing example holding the 1 MB value makes Hypothesis warn about its
            # long repr; the failure itself is what this test reports.
            warnings.simplefilter("ignore", HypothesisWarning)
            check()
    except AssertionError as exc:
        problems.append(f"{spec.label}: {str(exc).splitlines()[0]}")
    return problems


def _sqlite_without_fsync(dbapi_connection, _record):
    # Hundreds of commits and fresh worlds: waiting for the disk each time would be most
    # of the run, and a crash-safe test database buys nothing.
    dbapi_connection.execute("PRAGMA synchronous=OFF")


def run_fuzzer(app) -> tuple[Fuzzer, dict[str, FormSpec], list[str]]:
    if db.engine.dialect.name == "sqlite":
        db.engine.dispose()
        event.listen(db.engine, "connect", _sqlite_without_fsync)
    fuzzer = Fuzzer(app)
    fuzzer.reset()
    forms = discover(app, fuzzer.world, fuzzer.clients[False], fuzzer.clients[True])
    fuzzer.dirty = True
    problems = []
    for endpoint in sorted(forms):
        fuzzer.dirty = True  # each form starts from the seeded world
        problems += fuzz_form(fuzzer, forms[endpoint])
    print(f"\nform fuzzing: {len(forms)} forms, {fuzzer.posts} posts, {fuzzer.resets} fresh worlds")
    return fuzzer, forms, problems


def test_every_post_endpoint_has_a_form_the_fuzzer_finds(app):
    fuzzer = Fuzzer(app)
    fuzzer.reset()
    forms = discover(app, fuzzer.world, fuzzer.clients[False], fuzzer.clients[True])
    assert post_endpoints(app) - set(forms) == set()
    public = {e for e, spec in forms.items() if not spec.logged_in}
    assert {"rsvp.answer", "rsvp.delegate", "registration.register", "registration.manage"} <= public


def test_no_form_answers_5xx_or_keeps_a_refused_post(app):
    fuzzer, forms, problems = run_fuzzer(app)
    assert problems == [], f"{len(problems)} of {len(forms)} forms failed in {fuzzer.posts} posts:\n" + "\n".join(problems)


# Every query parameter a page reads (search boxes, filters, tabs, paging, language).
QUERY_NAMES = ("q", "show", "status", "topic", "lang", "page", "organisation", "kind", "language")
QUERY_VALUES = (NUL, f"abc{NUL}def", "\x01\x1b[31m", "\ud7ff\uffff", "x" * 5000, "' OR 1=1 --", "-1",
                "99999999999999999999", "%00")


def test_no_page_answers_5xx_to_bad_query_parameters(app):
    """Search boxes and filters are forms too: every page, logged in and out, with each bad
    value in every query parameter a page reads, never answers 5xx (a NUL in a search
    reached PostgreSQL once)."""
    fuzzer = Fuzzer(app)
    fuzzer.reset()
    urls = _page_urls(app, fuzzer.world)
    failures = []
    for value in QUERY_VALUES:
        query = {name: value for name in QUERY_NAMES}
        for logged_in, client in fuzzer.clients.items():
            for url in urls:
                response = client.get(url, query_string=query)
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} GET {url} {value!r} logged_in={logged_in}")
    assert len(urls) > 40
    assert failures == [], "\n".join(failures)
