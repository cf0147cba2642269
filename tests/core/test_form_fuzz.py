"""Every form of the app, posted with generated bad values (control characters, blanks,
huge and odd text, impossible dates, times and zones), on SQLite and PostgreSQL: never a
5xx, and a refused post (4xx) creates no row.

The forms are found, not listed: every page is visited logged in and logged out, and
every POST endpoint of the app must have a form on some page. Two passes post to them:

- a fixed one: every field of every form, one at a time, gets each value that found a
  bug once (fuzz.key_values: a NUL inside valid text, white space only, a 5,000 character
  and a 1 MB choice or zone, a case variant of a name or address the world holds), the
  other fields what a person would type. It also checks that white space only in a
  field the page marks required is refused, or at least stored no blank text;
- Hypothesis draws, for each form, which one or two fields get a bad value, the key
  values weighted; its examples are derandomised, so a run is the same every time.

With FUZZ_REPORT=<path> the fixed pass goes on after a defect and appends its figures
(forms, posts, defects by form, field and value class) to that file as JSON lines.
"""
from __future__ import annotations

import itertools
import json
import os
import warnings

import pytest
from sqlalchemy import event

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import HypothesisWarning
from hypothesis import strategies as st

from meetings.extensions import db
from tests import factories
from tests.core.fuzz import (FUZZ_PROVIDERS, BAD_VALUES, HUGE, NUL, FormSpec, _page_urls, blank_count, discover, fresh_world,
                             key_values, post_endpoints, row_counts)
from tests.helpers import csrf_token_from, post_form, text_of


@pytest.fixture
def app_settings():
    """With a sign-in provider, so the forms of linked identities and domains are shown too."""
    return {"OIDC_PROVIDERS": FUZZ_PROVIDERS}

EXAMPLES_PER_FIELD = 2
MAX_EXAMPLES = 12
MIN_EXAMPLES = 3

# Odd text beyond the fixed values: any code point (controls and NUL included) but
# lone surrogates, which a browser cannot send.
odd_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
bad_value = st.one_of(st.sampled_from(BAD_VALUES), odd_text, st.just(HUGE))


def bad_value_for(spec) -> st.SearchStrategy:
    """A bad value for one field: its key values (fuzz.key_values) in two draws of five,
    then the fixed list, odd text and the 1 MB value."""
    keys = st.sampled_from([value for _kind, value in key_values(spec)])
    return st.one_of(keys, keys, st.sampled_from(BAD_VALUES), odd_text, st.just(HUGE))


class Fuzzer:
    """Posts to the forms, keeping the world fresh: a post that was taken changed it."""

    def __init__(self, app):
        self.app = app
        self.addresses = itertools.count(1)
        self.posts = 0
        self.dirty = True
        self.clients = {}
        self.resets = 0
        self.touched = False  # a post was taken since the last fresh world

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
        self.touched = False

    def _address(self) -> dict:
        # Each post from its own address: the rate limits are not what is tested here.
        n = next(self.addresses)
        return {"REMOTE_ADDR": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"}

    def post(self, spec: FormSpec, data: dict, blanks: list | None = None, keep_added: bool = False):
        """Post ``data``; returns (status, error, rows before, rows after). An exception in
        the app (TESTING propagates them) counts as a 500. With ``blanks`` (a list), the
        number of blank text values before and after is appended to it. With
        ``keep_added`` a post that only added rows keeps the world (rows added do not
        get in the way of the next posts, rows removed may)."""
        if self.dirty:
            self.reset()
        client = self.clients[spec.logged_in]
        if spec.page not in self.tokens:
            self.tokens[spec.page] = csrf_token_from(text_of(client.get(spec.page)))
        before = row_counts()
        if blanks is not None:
            blanks.append(blank_count())
        self.posts += 1
        try:
            response = client.post(spec.action, data={**data, "csrf_token": self.tokens[spec.page]},
                                   environ_base=self._address())
            status = response.status_code
        except Exception as exc:  # noqa: BLE001 - the point is to see every one
            self.dirty = True
            return 500, repr(exc)[:300], before, None
        if status < 400:
            self.touched = True
        after = row_counts()
        if blanks is not None:
            blanks.append(blank_count())
        # A post that was taken and added or removed rows changed the world the next posts
        # rely on, and so did one that ended the organiser's session (an account switched
        # off): start again from the seeded world.
        changed = any(a < b for a, b in zip(after, before)) if keep_added else after != before
        if changed or response.headers.get("Location", "").startswith("/login"):
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
                                           st.fixed_dictionaries({name: bad_value_for(spec.fields[name])
                                                                  for name in bad})))
            .map(build))


def _shown(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return repr(value[:40]) + f"...({len(value)} characters)" if len(value) > 40 else repr(value)


def _key_posts(spec: FormSpec):
    """(field, value class, data) of each post of the fixed pass over one form."""
    defaults = {name: f.value for name, f in spec.fields.items()}
    # A choice the form ignores when another one is made (the zone, with a venue chosen)
    # is posted a second time with the other choices left empty, where they can be.
    empty = {name: "" for name, f in spec.fields.items() if f.kind == "select" and "" in f.options and f.value}
    # A radio group's first choice may be refused before the other fields are read (an
    # answer "accepted" to a full meeting): NUL and blanks go again with each other choice.
    radios = {name: [option for option in f.options if option != f.value]
              for name, f in spec.fields.items() if f.kind == "radio"}
    for name in sorted(spec.fields):
        for kind, value in key_values(spec.fields[name]):
            yield name, kind, {**defaults, name: value}
            if kind in ("nul", "blank"):
                for radio, choices in radios.items():
                    for choice in choices if radio != name else ():
                        yield name, f"{kind}, {radio}={choice}", {**defaults, radio: choice, name: value}
            others = {k: v for k, v in empty.items() if k != name}
            if kind in ("long", "huge") and others:
                yield name, f"{kind}, other choices empty", {**defaults, **others, name: value}


def key_value_defects(fuzzer: Fuzzer, spec: FormSpec, stop: bool = True) -> list[dict]:
    """The fixed pass over one form: each field in turn with each of its key values.

    A defect is a 5xx, a refused post (4xx) that created or removed rows, or white space
    only accepted in a field the page marks required with blank text stored. With ``stop``
    the first defect fails the test, naming form, field and value class."""
    defects = []
    if fuzzer.touched:  # a form starts from the seeded world, or one only refused posts saw
        fuzzer.dirty, fuzzer.touched = True, False
    for name, kind, data in _key_posts(spec):
        field = spec.fields[name]
        value = data[name]
        blanks: list[int] = []
        status, error, before, after = fuzzer.post(spec, data, blanks, keep_added=True)
        problem = None
        if status >= 500:
            problem = f"{status} {error}".strip()
        elif status >= 400 and after != before:
            problem = f"{status} but rows changed: {before} -> {after}"
        elif kind == "blank" and field.required and status < 400 and len(blanks) == 2 and blanks[1] > blanks[0]:
            problem = f"{status}: white space only accepted in a required field, blank text stored"
        if problem is None:
            continue
        defect = {"form": spec.endpoint, "action": spec.action, "field": name, "class": kind,
                  "value": _shown(value), "problem": problem[:300]}
        if stop:
            raise AssertionError(f"{spec.label}: field {name!r}, value class {kind!r} ({_shown(value)}): "
                                 f"{problem}")
        defects.append(defect)
    return defects


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
    fuzzer, forms = _prepare(app)
    problems = []
    for endpoint in sorted(forms):
        fuzzer.dirty = True  # each form starts from the seeded world
        problems += fuzz_form(fuzzer, forms[endpoint])
    print(f"\nform fuzzing: {len(forms)} forms, {fuzzer.posts} posts, {fuzzer.resets} fresh worlds")
    return fuzzer, forms, problems


def _prepare(app) -> tuple[Fuzzer, dict[str, FormSpec]]:
    if db.engine.dialect.name == "sqlite":
        db.engine.dispose()
        event.listen(db.engine, "connect", _sqlite_without_fsync)
    fuzzer = Fuzzer(app)
    fuzzer.reset()
    forms = discover(app, fuzzer.world, fuzzer.clients[False], fuzzer.clients[True])
    fuzzer.dirty = True
    return fuzzer, forms


def test_no_form_fails_on_the_key_values(app, backend):
    """The fixed pass: every field of every form with each value that found a bug once."""
    fuzzer, forms = _prepare(app)
    report = os.environ.get("FUZZ_REPORT")
    defects = []
    for endpoint in sorted(forms):
        defects += key_value_defects(fuzzer, forms[endpoint], stop=not report)
    figures = {"backend": backend, "forms": len(forms), "fields": sum(len(f.fields) for f in forms.values()),
               "posts": fuzzer.posts, "fresh_worlds": fuzzer.resets,
               "5xx": sum(d["problem"].startswith("5") for d in defects),
               "rows_kept": sum("rows changed" in d["problem"] for d in defects),
               "blank_stored": sum("white space" in d["problem"] for d in defects), "defects": defects}
    print(f"\nkey values: {len(forms)} forms, {fuzzer.posts} posts, {len(defects)} defects")
    if report:
        with open(report, "a", encoding="utf-8") as out:
            out.write(json.dumps(figures, ensure_ascii=False) + "\n")
    assert len(forms) > 60
    assert defects == [], "\n".join(f"{d['form']} {d['field']} {d['class']}: {d['problem']}" for d in defects)


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
