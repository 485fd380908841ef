#!/usr/bin/env python
"""Django's command-line utility for Knowledge Hub."""

import os
import sys
from pathlib import Path


def main() -> None:
    from knowledgehub.lib.env import load_env_file

    load_env_file(Path(__file__).resolve().parent / ".env")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "knowledgehub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
