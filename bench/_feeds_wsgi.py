"""What bench/feeds.py serves under gunicorn: the app, and beside it a bare Flask "hello world"
(at /hello/) as the yardstick, both in the same worker processes."""
from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from meetings import create_app

hello = Flask("hello")


@hello.route("/")
def index():
    return "Hello, World!"


app = DispatcherMiddleware(create_app(), {"/hello": hello})
