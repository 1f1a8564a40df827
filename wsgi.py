"""The WSGI entry point: `gunicorn wsgi:app` (and `flask --app wsgi`)."""

from app import create_app
from app.core.memory import settle_long_lived_process

app = create_app()
settle_long_lived_process()
