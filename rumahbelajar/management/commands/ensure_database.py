from django.core.management.base import BaseCommand
from django.db import connection
from psycopg import sql


class Command(BaseCommand):
    help = "Creates the PostgreSQL database named in DATABASE_URL if it does not exist yet."

    def handle(self, *args: object, **options: object) -> None:
        name = connection.settings_dict["NAME"]
        # _nodb_cursor connects to the maintenance database ("postgres"), as Django's test runner does.
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                self.stdout.write(f"Database {name!r} exists.")
                return
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.stdout.write(self.style.SUCCESS(f"Created database {name!r}."))
