"""`manage.py create_api_token NAME`: a new bearer token for the results API, printed once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from competency import tokens


class Command(BaseCommand):
    help = (
        "Creates an API token named NAME for the assessment system and prints it as the last "
        "line. Only its hash is stored: copy it now, it cannot be shown again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="a unique name for the client, e.g. 'sistem-asesmen'")

    def handle(self, *args: object, name: str, **options: object) -> None:
        try:
            token, plaintext = tokens.create_api_token(name=name)
        except tokens.TokenError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Token API “{token.name}” dibuat (awalan {token.prefix}). "
            "Simpan sekarang: token ini tidak dapat ditampilkan lagi."
        )
        self.stdout.write(plaintext)
