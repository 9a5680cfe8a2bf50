"""search indexes: FTS5 on SQLite, tsvector and GIN on PostgreSQL

The statements are a frozen copy of what ``community.search.schema`` builds under
``create_all``; ``tests/test_search.py`` checks that both give the same objects. Rows already
in the tables are indexed: on PostgreSQL the generated columns fill themselves, on SQLite the
FTS5 tables are rebuilt from their content.

Revision ID: 7c3e9a41d2b6
Revises: 5b79a2a88f86
Create Date: 2026-11-26 06:10:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "7c3e9a41d2b6"
down_revision = "5b79a2a88f86"
branch_labels = None
depends_on = None

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE posts_search USING fts5(title, body_md, content='posts', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN INSERT INTO "
    "posts_search(rowid, title, body_md) VALUES (new.id, new.title, new.body_md); END",
    "CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN INSERT INTO "
    "posts_search(posts_search, rowid, title, body_md) VALUES ('delete', old.id, old.title, "
    "old.body_md); END",
    "CREATE TRIGGER posts_search_update AFTER UPDATE OF title, body_md ON posts WHEN new.title IS "
    "NOT old.title OR new.body_md IS NOT old.body_md BEGIN INSERT INTO posts_search(posts_search, "
    "rowid, title, body_md) VALUES ('delete', old.id, old.title, old.body_md); INSERT INTO "
    "posts_search(rowid, title, body_md) VALUES (new.id, new.title, new.body_md); END",
    "CREATE VIRTUAL TABLE comments_search USING fts5(body_md, content='comments', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN INSERT INTO "
    "comments_search(rowid, body_md) VALUES (new.id, new.body_md); END",
    "CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN INSERT INTO "
    "comments_search(comments_search, rowid, body_md) VALUES ('delete', old.id, old.body_md); END",
    "CREATE TRIGGER comments_search_update AFTER UPDATE OF body_md ON comments WHEN new.body_md "
    "IS NOT old.body_md BEGIN INSERT INTO comments_search(comments_search, rowid, body_md) VALUES "
    "('delete', old.id, old.body_md); INSERT INTO comments_search(rowid, body_md) VALUES (new.id, "
    "new.body_md); END",
    "CREATE VIRTUAL TABLE events_search USING fts5(title, description_md, content='events', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER events_search_insert AFTER INSERT ON events BEGIN INSERT INTO "
    "events_search(rowid, title, description_md) VALUES (new.id, new.title, new.description_md); "
    "END",
    "CREATE TRIGGER events_search_delete AFTER DELETE ON events BEGIN INSERT INTO "
    "events_search(events_search, rowid, title, description_md) VALUES ('delete', old.id, "
    "old.title, old.description_md); END",
    "CREATE TRIGGER events_search_update AFTER UPDATE OF title, description_md ON events WHEN "
    "new.title IS NOT old.title OR new.description_md IS NOT old.description_md BEGIN INSERT INTO "
    "events_search(events_search, rowid, title, description_md) VALUES ('delete', old.id, "
    "old.title, old.description_md); INSERT INTO events_search(rowid, title, description_md) "
    "VALUES (new.id, new.title, new.description_md); END",
    "CREATE VIRTUAL TABLE mentors_search USING fts5(name, headline, bio_md, tokenize='porter "
    "unicode61 remove_diacritics 2')",
    "CREATE TRIGGER mentors_search_insert AFTER INSERT ON mentor_profiles BEGIN INSERT INTO "
    "mentors_search(rowid, name, headline, bio_md) SELECT p.id, u.username || ' ' || "
    "coalesce(u.display_name, ''), p.headline, p.bio_md FROM mentor_profiles p JOIN users u ON "
    "u.id = p.user_id WHERE p.id = new.id; END",
    "CREATE TRIGGER mentors_search_delete AFTER DELETE ON mentor_profiles BEGIN DELETE FROM "
    "mentors_search WHERE rowid = old.id; END",
    "CREATE TRIGGER mentors_search_update AFTER UPDATE OF headline, bio_md ON mentor_profiles "
    "BEGIN DELETE FROM mentors_search WHERE rowid = old.id; INSERT INTO mentors_search(rowid, "
    "name, headline, bio_md) SELECT p.id, u.username || ' ' || coalesce(u.display_name, ''), "
    "p.headline, p.bio_md FROM mentor_profiles p JOIN users u ON u.id = p.user_id WHERE p.id = "
    "new.id; END",
    "CREATE TRIGGER mentors_search_names AFTER UPDATE OF username, display_name ON users BEGIN "
    "UPDATE mentors_search SET name = new.username || ' ' || coalesce(new.display_name, '') WHERE "
    "rowid IN (SELECT id FROM mentor_profiles WHERE user_id = new.id); END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS posts_search_insert",
    "DROP TRIGGER IF EXISTS posts_search_delete",
    "DROP TRIGGER IF EXISTS posts_search_update",
    "DROP TRIGGER IF EXISTS comments_search_insert",
    "DROP TRIGGER IF EXISTS comments_search_delete",
    "DROP TRIGGER IF EXISTS comments_search_update",
    "DROP TRIGGER IF EXISTS events_search_insert",
    "DROP TRIGGER IF EXISTS events_search_delete",
    "DROP TRIGGER IF EXISTS events_search_update",
    "DROP TRIGGER IF EXISTS mentors_search_insert",
    "DROP TRIGGER IF EXISTS mentors_search_delete",
    "DROP TRIGGER IF EXISTS mentors_search_update",
    "DROP TRIGGER IF EXISTS mentors_search_names",
    "DROP TABLE IF EXISTS posts_search",
    "DROP TABLE IF EXISTS comments_search",
    "DROP TABLE IF EXISTS events_search",
    "DROP TABLE IF EXISTS mentors_search",
]

POSTGRESQL_CREATE = [
    "ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body_md, '')), 'B')) STORED",
    "CREATE INDEX ix_posts_search_vector ON posts USING gin (search_vector)",
    "ALTER TABLE comments ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(setweight(to_tsvector('english'::regconfig, coalesce(body_md, '')), 'B')) STORED",
    "CREATE INDEX ix_comments_search_vector ON comments USING gin (search_vector)",
    "ALTER TABLE events ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description_md, '')), 'B')) STORED",
    "CREATE INDEX ix_events_search_vector ON events USING gin (search_vector)",
    "ALTER TABLE mentor_profiles ADD COLUMN search_vector tsvector",
    "CREATE INDEX ix_mentor_profiles_search_vector ON mentor_profiles USING gin (search_vector)",
    "CREATE OR REPLACE FUNCTION mentor_profiles_search_refresh() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ "
    "BEGIN NEW.search_vector := (SELECT setweight(to_tsvector('english'::regconfig, "
    "coalesce(u.username, '') || ' ' || coalesce(u.display_name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(NEW.headline, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(NEW.bio_md, '')), 'B') FROM users u "
    "WHERE u.id = NEW.user_id); RETURN NEW; END $$",
    "CREATE TRIGGER mentor_profiles_search BEFORE INSERT OR UPDATE OF user_id, headline, bio_md "
    "ON mentor_profiles FOR EACH ROW EXECUTE FUNCTION mentor_profiles_search_refresh()",
    "CREATE OR REPLACE FUNCTION users_mentor_search_refresh() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE mentor_profiles p SET search_vector = setweight(to_tsvector('english'::regconfig, "
    "coalesce(u.username, '') || ' ' || coalesce(u.display_name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(p.headline, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(p.bio_md, '')), 'B') FROM users u WHERE "
    "u.id = NEW.id AND p.user_id = NEW.id; RETURN NULL; END $$",
    "CREATE TRIGGER users_mentor_search AFTER UPDATE OF username, display_name ON users FOR EACH "
    "ROW WHEN (NEW.username IS DISTINCT FROM OLD.username OR NEW.display_name IS DISTINCT FROM "
    "OLD.display_name) EXECUTE FUNCTION users_mentor_search_refresh()",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS users_mentor_search ON users",
    "DROP FUNCTION IF EXISTS users_mentor_search_refresh()",
    "DROP TRIGGER IF EXISTS mentor_profiles_search ON mentor_profiles",
    "DROP FUNCTION IF EXISTS mentor_profiles_search_refresh()",
    "DROP INDEX IF EXISTS ix_posts_search_vector",
    "DROP INDEX IF EXISTS ix_comments_search_vector",
    "DROP INDEX IF EXISTS ix_events_search_vector",
    "DROP INDEX IF EXISTS ix_mentor_profiles_search_vector",
    "ALTER TABLE posts DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE comments DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE events DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE mentor_profiles DROP COLUMN IF EXISTS search_vector",
]

SQLITE_FILL = [
    "INSERT INTO posts_search(posts_search) VALUES ('rebuild')",
    "INSERT INTO comments_search(comments_search) VALUES ('rebuild')",
    "INSERT INTO events_search(events_search) VALUES ('rebuild')",
    "INSERT INTO mentors_search(rowid, name, headline, bio_md)"
    " SELECT p.id, u.username || ' ' || coalesce(u.display_name, ''), p.headline, p.bio_md"
    " FROM mentor_profiles p JOIN users u ON u.id = p.user_id",
]

POSTGRESQL_FILL = ["UPDATE mentor_profiles SET headline = headline"]


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in (
        (SQLITE_CREATE + SQLITE_FILL) if sqlite else (POSTGRESQL_CREATE + POSTGRESQL_FILL)
    ):
        op.execute(statement)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_DROP if sqlite else POSTGRESQL_DROP:
        op.execute(statement)
