"""The full-text indexes over ``social_searchentry``, one per database engine.

SQLite: an FTS5 table with external content (the entries' ``text``; no copy of it), kept in
step by triggers on the table, so every write of an entry, by any code path, updates it.
PostgreSQL: a GIN index on ``to_tsvector('simple', text)`` (the search selector's expression,
word for word, so the planner uses it) and a GIN trigram index on ``handle`` (pg_trgm), for
handles typed with a typo.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE social_searchentry_fts USING fts5("
    "text, content='social_searchentry', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER social_searchentry_fts_insert AFTER INSERT ON social_searchentry BEGIN "
    "INSERT INTO social_searchentry_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER social_searchentry_fts_delete AFTER DELETE ON social_searchentry BEGIN "
    "INSERT INTO social_searchentry_fts(social_searchentry_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER social_searchentry_fts_update AFTER UPDATE ON social_searchentry BEGIN "
    "INSERT INTO social_searchentry_fts(social_searchentry_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); "
    "INSERT INTO social_searchentry_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO social_searchentry_fts(social_searchentry_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS social_searchentry_fts_update",
    "DROP TRIGGER IF EXISTS social_searchentry_fts_delete",
    "DROP TRIGGER IF EXISTS social_searchentry_fts_insert",
    "DROP TABLE IF EXISTS social_searchentry_fts",
]
POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX social_searchentry_text_fts ON social_searchentry "
    "USING gin (to_tsvector('simple', text))",
    "CREATE INDEX social_searchentry_handle_trgm ON social_searchentry "
    "USING gin (handle gin_trgm_ops)",
]
# The extension stays: other databases objects may use it, and it holds no data.
POSTGRESQL_BACKWARD = [
    "DROP INDEX IF EXISTS social_searchentry_handle_trgm",
    "DROP INDEX IF EXISTS social_searchentry_text_fts",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("social", "0001_initial")]

    operations = [
        migrations.RunPython(forward, backward, hints={"model_name": "searchentry"}),
    ]
