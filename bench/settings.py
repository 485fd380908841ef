"""Settings for benchmarks: the project's settings, unchanged, plus the bench URLs.

Everything else (database, DEBUG, static storage) still comes from the environment, which
``bench/pages.py`` sets for the server it starts.
"""

from knowledgehub.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
