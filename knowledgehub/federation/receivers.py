"""Signal receivers (connected in apps.py). Placeholder until the feature lands."""
