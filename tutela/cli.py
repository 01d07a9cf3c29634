"""The `tutela` console script: Django's management commands with Tutela's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tutela", *sys.argv[1:]])


if __name__ == "__main__":
    main()
