"""The URL builders kept across apps (tests/routing_cache.py) build what werkzeug's own do."""
from __future__ import annotations

import uuid

from werkzeug.routing import converters

from tests import routing_cache


def _sample(converter) -> object:
    if isinstance(converter, converters.AnyConverter):
        return sorted(converter.items)[-1]
    if isinstance(converter, converters.IntegerConverter):
        return 7
    if isinstance(converter, converters.FloatConverter):
        return 2.5
    if isinstance(converter, converters.UUIDConverter):
        return uuid.UUID("12345678-1234-5678-1234-567812345678")
    if isinstance(converter, converters.PathConverter):
        return "a/b c"
    return "x y&z"


def test_every_rule_builds_the_same_url_as_werkzeug_does(app):
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        values = {name: _sample(conv) for name, conv in rule._converters.items()}
        for append_unknown in (False, True):
            kept = routing_cache._kept_builder(rule, append_unknown).__get__(rule, None)
            ordinary = routing_cache.ordinary_builder(rule, append_unknown).__get__(rule, None)
            extra = {"lang": "de", "q": "ä b"} if append_unknown else {}
            assert kept(**values, **extra) == ordinary(**values, **extra), rule.rule


def test_a_second_app_reuses_the_first_apps_builders(app):
    from config import testing_config
    from meetings import create_app

    other = create_app(testing_config(app.instance_path + "-other", app.config["SQLALCHEMY_DATABASE_URI"]))
    pairs = zip(sorted(app.url_map.iter_rules(), key=str), sorted(other.url_map.iter_rules(), key=str))
    for mine, theirs in pairs:
        assert mine is not theirs
        assert mine._build.__func__ is theirs._build.__func__, mine.rule
        assert mine._build.__self__ is mine and theirs._build.__self__ is theirs
