"""WSGI entry point, served by granian in every environment (``make run`` and production)."""

import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

from knowledgehub.lib.env import load_env_file

load_env_file(Path(__file__).resolve().parent.parent / ".env")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knowledgehub.settings")

application = get_wsgi_application()
