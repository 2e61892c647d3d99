"""The ``townhall`` command: Django's management commands, with a few conveniences.

``townhall migrate`` without ``--database`` migrates the default database and every region's,
then creates the cache table.
``townhall serve`` runs the ASGI server; ``townhall worker`` runs a background-job worker
(django-tasks-db's loop with a reaper for what dead workers left behind).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings.base")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (loads the settings, which validate the regions)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"townhall: configuration error: {exc}\n")
        raise SystemExit(2) from None

    if len(argv) > 1 and argv[1] in ("serve", "worker"):
        # No plaintext fallback: a missing or wrong key stops a server or worker before it starts.
        import django

        from townhall.audit.signing import instance_key_check
        from townhall.regions.checks import verify_region_keys

        django.setup()
        try:
            # Every logged access needs the instance signing key (checkpoints): check it too.
            instance_key_check()
            verify_region_keys()
        except ImproperlyConfigured as exc:
            sys.stderr.write(f"townhall: key error: {exc}\n")
            raise SystemExit(2) from None
    if (
        len(argv) > 1
        and argv[1] == "migrate"
        and not any(a == "--database" or a.startswith("--database=") for a in argv[2:])
    ):
        import django

        django.setup()
        for alias in settings.DATABASES:
            execute_from_command_line([*argv, f"--database={alias}"])
        # The shared cache (rate limits) lives in the default database unless Redis is set.
        execute_from_command_line([argv[0], "createcachetable"])
        return
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
