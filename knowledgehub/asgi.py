"""ASGI entry point (unused by default; granian serves the WSGI app)."""

import os
from pathlib import Path

from django.core.asgi import get_asgi_application

from knowledgehub.lib.env import load_env_file

load_env_file(Path(__file__).resolve().parent.parent / ".env")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knowledgehub.settings")

application = get_asgi_application()
