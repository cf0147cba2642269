"""``flask --app wsgi demo load`` (PLACEHOLDER: being written)."""
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Demo data.")
