"""The app as gunicorn loads it in the concurrency tests: ``tests.registration.server:app()``.

Its database and instance folder come from the environment the test sets; the rate
limits are off, since hundreds of requests from one loopback address are the point.
"""
from __future__ import annotations

import os
from pathlib import Path

from config import testing_config
from meetings import create_app


def app():
    """Build the app for the server process."""
    return create_app(testing_config(Path(os.environ["REGISTRATION_SERVER_INSTANCE"]),
                                     os.environ["REGISTRATION_SERVER_DATABASE_URL"], RATELIMIT_ENABLED=False))
