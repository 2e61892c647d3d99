"""``townhall serve``: the ASGI application under uvicorn."""

from __future__ import annotations

from typing import Any

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve townhall over HTTP with the uvicorn ASGI server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="Worker processes")
        parser.add_argument("--reload", action="store_true", help="Restart when code changes")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # Production serves hashed, compressed static files from STATIC_ROOT (WhiteNoise).
            call_command("collectstatic", "--noinput", verbosity=0)
        self.stdout.write(f"townhall at http://{options['host']}:{options['port']}/")
        uvicorn.run(
            "townhall.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            reload=options["reload"],
            proxy_headers=True,
            log_level="info",
        )
