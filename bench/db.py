"""The bench database: read from DATABASE_URL (PostgreSQL only), made afresh, migrated, and described.

The suite measures the console against PostgreSQL's own limits, so anything else
stops it at once with a message that says what to set. Dropping a database is
allowed only for names that contain ``bench``: a mistyped URL never wipes a real one.
"""

import json
import os
import sys
from dataclasses import dataclass

import dj_database_url
import psycopg

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/campaign_console_bench"
META_TABLE = "bench_meta"


class BenchSetupError(SystemExit):
    """A setup problem the person running the suite has to fix; printed without a traceback."""

    def __init__(self, message: str):
        super().__init__(f"bench: {message}")


@dataclass(frozen=True)
class Database:
    url: str
    name: str
    host: str
    port: int | None
    user: str
    password: str

    def connect(self, dbname: str | None = None, **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            dbname=dbname or self.name,
            host=self.host or None,
            port=self.port or None,
            user=self.user or None,
            password=self.password or None,
            **kwargs,
        )

    def sibling(self, name: str) -> "Database":
        """The same server, another database (the probe database of the query counts)."""
        url = self.url.rsplit("/", 1)[0] + "/" + name
        return Database(url, name, self.host, self.port, self.user, self.password)


def bench_database(url: str | None = None) -> Database:
    """The database named by DATABASE_URL (or ``url``); PostgreSQL or a loud exit."""
    url = url or os.environ.get("DATABASE_URL", "")
    if not url:
        raise BenchSetupError(
            "DATABASE_URL is not set. The benchmarks run against PostgreSQL only, e.g.\n"
            f"  DATABASE_URL={DEFAULT_URL} .venv/bin/python -m bench.run --scale 0.01"
        )
    try:
        config = dj_database_url.parse(url)
    except ValueError as error:
        raise BenchSetupError(f"DATABASE_URL={url!r} is not a database URL: {error}") from None
    if config["ENGINE"] != "django.db.backends.postgresql":
        raise BenchSetupError(
            f"DATABASE_URL={url!r} is not PostgreSQL ({config['ENGINE']}). The benchmarks measure the console "
            f"against PostgreSQL (COPY, percentiles, its planner); use e.g. {DEFAULT_URL}"
        )
    return Database(
        url=url,
        name=config["NAME"],
        host=config.get("HOST") or "",
        port=int(config["PORT"]) if config.get("PORT") else None,
        user=config.get("USER") or "",
        password=config.get("PASSWORD") or "",
    )


def recreate(database: Database) -> None:
    """Drop (if it exists) and create the database, empty."""
    if "bench" not in database.name:
        raise BenchSetupError(
            f"refusing to drop and recreate {database.name!r}: the bench database's name must contain 'bench'"
        )
    try:
        with database.connect("postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{database.name}"')
    except psycopg.OperationalError as error:
        raise BenchSetupError(f"cannot reach PostgreSQL at {database.host or 'the local socket'}: {error}") from None


def read_meta(database: Database) -> dict | None:
    """What the generator recorded in the database (scale, timings, counts), or None."""
    try:
        with database.connect(connect_timeout=5) as connection:
            row = connection.execute(
                f"SELECT value FROM {META_TABLE} WHERE key = 'generated'"  # noqa: S608 - a constant
            ).fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


def write_meta(cursor, value: dict) -> None:
    cursor.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb NOT NULL)")
    cursor.execute(
        f"INSERT INTO {META_TABLE} (key, value) VALUES ('generated', %s) "  # noqa: S608 - a constant
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [json.dumps(value)],
    )


def django_setup(database: Database) -> None:
    """Django with this database (the console's own settings, development mode)."""
    os.environ["DATABASE_URL"] = database.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()


def server_facts(database: Database) -> dict:
    """PostgreSQL's version and the settings that matter to the figures."""
    with database.connect() as connection:
        version = connection.execute("SHOW server_version").fetchone()[0]
        settings = {
            name: connection.execute(f"SHOW {name}").fetchone()[0]
            for name in ("shared_buffers", "work_mem", "max_wal_size", "synchronous_commit", "jit")
        }
    return {"postgresql": version, **settings}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
