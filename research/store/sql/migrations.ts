import { sql, type Kysely, type Migration } from "kysely";
import type { SqlEngine } from "./database.js";

/**
 * One migration history for both engines. Column types are the portable subset (text, integer, real);
 * only row ids, full-text search and a few index forms are written per dialect.
 */
export function migrationsFor(engine: SqlEngine): Record<string, Migration> {
  // A row number that grows with every insert: the FTS5 rowid on SQLite, an identity column on PostgreSQL.
  const seqColumn = engine === "sqlite" ? "integer primary key autoincrement" : "integer generated always as identity primary key";
  return {
    "001-tables": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("documents")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("data", "text", (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();

        await db.schema
          .createTable("communities")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("platform", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("url", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addUniqueConstraint("communities_name_unique", ["project_id", "platform", "name"])
          .execute();

        await db.schema
          .createTable("imports")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("imported_at", "text", (c) => c.notNull())
          .addColumn("imported_by", "text", (c) => c.notNull())
          .addColumn("format", "text", (c) => c.notNull())
          .addColumn("files", "text", (c) => c.notNull())
          .addColumn("community_ids", "text", (c) => c.notNull())
          .addColumn("posts", "integer", (c) => c.notNull())
          .addColumn("threads", "integer", (c) => c.notNull())
          .addColumn("members", "integer", (c) => c.notNull())
          .addColumn("duplicates", "integer", (c) => c.notNull())
          .addColumn("skipped", "integer", (c) => c.notNull())
          .addColumn("orphans", "integer", (c) => c.notNull())
          .addColumn("not_collected", "integer", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("imports_project").on("imports").columns(["project_id", "imported_at"]).execute();

        await db.schema
          .createTable("threads")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("community_id", "text", (c) => c.notNull().references("communities.id").onDelete("cascade"))
          .addColumn("source_id", "text", (c) => c.notNull())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("url", "text")
          .addColumn("created_at", "text")
          .addColumn("import_id", "text", (c) => c.notNull())
          .addUniqueConstraint("threads_source_unique", ["project_id", "community_id", "source_id"])
          .execute();
        await db.schema.createIndex("threads_project_created").on("threads").columns(["project_id", "created_at"]).execute();
        await db.schema.createIndex("threads_community").on("threads").columns(["community_id", "created_at"]).execute();
        await db.schema.createIndex("threads_import").on("threads").column("import_id").execute();

        await db.schema
          .createTable("members")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("platform", "text", (c) => c.notNull())
          .addColumn("identity_key", "text", (c) => c.notNull())
          .addColumn("handle", "text", (c) => c.notNull())
          .addColumn("display_name", "text")
          .addColumn("platform_user_id", "text")
          .addColumn("pseudonym", "text", (c) => c.notNull())
          .addColumn("post_count", "integer", (c) => c.notNull())
          .addColumn("first_post_at", "text")
          .addColumn("last_post_at", "text")
          .addColumn("privacy_signals", "text", (c) => c.notNull())
          .addColumn("consent_status", "text")
          .addUniqueConstraint("members_identity_unique", ["project_id", "platform", "identity_key"])
          .addUniqueConstraint("members_pseudonym_unique", ["project_id", "pseudonym"])
          .execute();
        await db.schema.createIndex("members_project_handle").on("members").columns(["project_id", "handle"]).execute();
        await db.schema.createIndex("members_project_status").on("members").columns(["project_id", "consent_status"]).execute();

        await db.schema
          .createTable("posts")
          .addColumn("seq", sql.raw(seqColumn))
          .addColumn("id", "text", (c) => c.notNull().unique())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("thread_id", "text", (c) => c.notNull().references("threads.id").onDelete("cascade"))
          .addColumn("community_id", "text", (c) => c.notNull())
          .addColumn("source_id", "text", (c) => c.notNull())
          .addColumn("source_key", "text", (c) => c.notNull())
          .addColumn("parent_source_id", "text")
          .addColumn("parent_source_key", "text")
          .addColumn("parent_id", "text")
          .addColumn("member_id", "text", (c) => c.references("members.id"))
          .addColumn("created_at", "text")
          .addColumn("title", "text")
          .addColumn("html", "text")
          .addColumn("text", "text", (c) => c.notNull())
          .addColumn("url", "text")
          .addColumn("language", "text")
          .addColumn("deleted_upstream", "integer", (c) => c.notNull().defaultTo(0))
          .addColumn("import_id", "text", (c) => c.notNull())
          .addUniqueConstraint("posts_source_unique", ["project_id", "source_key"])
          .execute();
        await db.schema.createIndex("posts_thread").on("posts").columns(["thread_id", "created_at"]).execute();
        await db.schema.createIndex("posts_member").on("posts").columns(["member_id", "created_at"]).execute();
        await db.schema.createIndex("posts_parent_key").on("posts").columns(["project_id", "parent_source_key"]).execute();
        await db.schema.createIndex("posts_parent").on("posts").column("parent_id").execute();
        await db.schema.createIndex("posts_community").on("posts").columns(["project_id", "community_id", "created_at"]).execute();
        await db.schema.createIndex("posts_project_created").on("posts").columns(["project_id", "created_at"]).execute();
        await db.schema.createIndex("posts_import").on("posts").column("import_id").execute();

        await db.schema
          .createTable("consent_entries")
          .addColumn("seq", sql.raw(seqColumn))
          .addColumn("id", "text", (c) => c.notNull().unique())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("member_id", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("stated_date", "text", (c) => c.notNull())
          .addColumn("evidence", "text", (c) => c.notNull())
          .addColumn("recorded_by", "text", (c) => c.notNull())
          .addColumn("recorded_at", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("consent_member").on("consent_entries").columns(["project_id", "member_id", "seq"]).execute();

        await db.schema
          .createTable("erased_members")
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("platform", "text", (c) => c.notNull())
          .addColumn("handle_hash", "text", (c) => c.notNull())
          .addColumn("purged_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("erased_members_pk", ["project_id", "platform", "handle_hash"])
          .execute();

        await db.schema
          .createTable("codings")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("code_id", "text", (c) => c.notNull())
          .addColumn("source_type", "text", (c) => c.notNull())
          .addColumn("source_id", "text", (c) => c.notNull())
          .addColumn("start_cp", "integer", (c) => c.notNull())
          .addColumn("end_cp", "integer", (c) => c.notNull())
          .addColumn("quote", "text", (c) => c.notNull())
          .addColumn("coder_id", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("codings_source").on("codings").columns(["project_id", "source_type", "source_id"]).execute();
        await db.schema.createIndex("codings_code").on("codings").columns(["project_id", "code_id"]).execute();
        await db.schema.createIndex("codings_coder").on("codings").columns(["project_id", "coder_id"]).execute();

        await db.schema
          .createTable("memos")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("target_type", "text", (c) => c.notNull())
          .addColumn("target_id", "text", (c) => c.notNull())
          .addColumn("markdown", "text", (c) => c.notNull())
          .addColumn("author_id", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("memos_target").on("memos").columns(["project_id", "target_type", "target_id"]).execute();

        await db.schema
          .createTable("field_notes")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("markdown", "text", (c) => c.notNull())
          .addColumn("author_id", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("updated_at", "text", (c) => c.notNull())
          .addColumn("links", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("field_notes_project").on("field_notes").columns(["project_id", "created_at"]).execute();

        await db.schema
          .createTable("annotations")
          .addColumn("post_id", "text", (c) => c.primaryKey().references("posts.id").onDelete("cascade"))
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("data", "text")
          .execute();
        await db.schema.createIndex("annotations_project").on("annotations").column("project_id").execute();

        await db.schema
          .createTable("suggestions")
          .addColumn("id", "text", (c) => c.notNull())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("run_id", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("code_id", "text", (c) => c.notNull())
          .addColumn("source_id", "text", (c) => c.notNull())
          .addColumn("source_name", "text", (c) => c.notNull())
          .addColumn("start_cp", "integer", (c) => c.notNull())
          .addColumn("end_cp", "integer", (c) => c.notNull())
          .addColumn("score", "real", (c) => c.notNull())
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("quote", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("suggestions_pk", ["project_id", "run_id", "id"])
          .execute();
        await db.schema.createIndex("suggestions_code").on("suggestions").columns(["project_id", "run_id", "code_id", "score"]).execute();
        await db.schema.createIndex("suggestions_source").on("suggestions").columns(["project_id", "source_id"]).execute();

        await db.schema
          .createTable("suggestion_decisions")
          .addColumn("suggestion_id", "text", (c) => c.notNull())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("code_id", "text", (c) => c.notNull())
          .addColumn("source_id", "text", (c) => c.notNull())
          .addColumn("start_cp", "integer", (c) => c.notNull())
          .addColumn("end_cp", "integer", (c) => c.notNull())
          .addColumn("score", "real", (c) => c.notNull())
          .addColumn("decision", "text", (c) => c.notNull())
          .addColumn("decided_by", "text", (c) => c.notNull())
          .addColumn("at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("suggestion_decisions_pk", ["project_id", "suggestion_id"])
          .execute();

        await db.schema
          .createTable("audit_events")
          .addColumn("seq", sql.raw(seqColumn))
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("by", "text", (c) => c.notNull())
          .addColumn("action", "text", (c) => c.notNull())
          .addColumn("detail", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("audit_project").on("audit_events").columns(["project_id", "seq"]).execute();

        await db.schema
          .createTable("share_links")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("token_hash", "text", (c) => c.notNull().unique())
          .addColumn("theme_ids", "text", (c) => c.notNull())
          .addColumn("label", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .addColumn("revoked_at", "text")
          .execute();
        await db.schema.createIndex("share_links_project").on("share_links").column("project_id").execute();

        await db.schema
          .createTable("member_responses")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("link_id", "text", (c) => c.notNull())
          .addColumn("theme_id", "text", (c) => c.notNull())
          .addColumn("rating", "text", (c) => c.notNull())
          .addColumn("comment", "text", (c) => c.notNull())
          .addColumn("quote_ref", "text")
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("handled_at", "text")
          .addColumn("handled_by", "text")
          .addColumn("handling", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("member_responses_project").on("member_responses").columns(["project_id", "at"]).execute();

        await db.schema
          .createTable("jobs")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("user_id", "text", (c) => c.notNull())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("started_at", "text", (c) => c.notNull())
          .addColumn("finished_at", "text")
          .addColumn("progress", "text")
          .addColumn("report", "text")
          .addColumn("error", "text")
          .addColumn("pid", "integer")
          .execute();
        await db.schema.createIndex("jobs_project").on("jobs").columns(["project_id", "kind", "started_at"]).execute();

        await db.schema
          .createTable("corpus_revisions")
          .addColumn("project_id", "text", (c) => c.primaryKey())
          .addColumn("revision", "integer", (c) => c.notNull())
          .execute();

        if (engine === "sqlite") {
          // External-content FTS5 index over posts, kept in step by triggers (inside the same transaction).
          await sql`create virtual table posts_fts using fts5(title, text, content='posts', content_rowid='seq', tokenize='unicode61 remove_diacritics 2')`.execute(db);
          await sql`create trigger posts_fts_insert after insert on posts begin
            insert into posts_fts(rowid, title, text) values (new.seq, new.title, new.text); end`.execute(db);
          await sql`create trigger posts_fts_delete after delete on posts begin
            insert into posts_fts(posts_fts, rowid, title, text) values ('delete', old.seq, old.title, old.text); end`.execute(db);
          await sql`create trigger posts_fts_update after update of title, text on posts begin
            insert into posts_fts(posts_fts, rowid, title, text) values ('delete', old.seq, old.title, old.text);
            insert into posts_fts(rowid, title, text) values (new.seq, new.title, new.text); end`.execute(db);
        } else {
          // 'simple' (no stemming), like FTS5's unicode61: the corpus is in many languages.
          await sql`alter table posts add column search tsvector generated always as
            (to_tsvector('simple', coalesce(title, '') || ' ' || text)) stored`.execute(db);
          await sql`create index posts_search on posts using gin (search)`.execute(db);
        }
      },
    },
    "002-erasure-and-share-links": {
      async up(db: Kysely<unknown>) {
        // A share link names its project's slug, so the public view finds link and project in one query.
        await db.schema.alterTable("share_links").addColumn("project_slug", "text").execute();
        if (engine === "sqlite") {
          // Erasure for good: deleted rows leave the FTS5 segments at once instead of lingering there
          // until a merge (the index would otherwise still hold an erased member's words and positions).
          await sql`insert into posts_fts(posts_fts, rank) values ('secure-delete', 1)`.execute(db);
        }
      },
    },
    "003-thread-activity": {
      async up(db: Kysely<unknown>) {
        // The threads list sorts by latest post: kept by imports (the latest post ever collected, withheld
        // or not), so a page is an index walk instead of an aggregate over every post.
        await db.schema.alterTable("threads").addColumn("last_post_at", "text").execute();
        await db.schema
          .createIndex("threads_project_last_post")
          .on("threads")
          .columns(["project_id", "last_post_at"])
          .execute();
        // The members page lists the most active first.
        await db.schema
          .createIndex("members_project_post_count")
          .on("members")
          .columns(["project_id", "post_count"])
          .execute();
      },
    },
    "004-codings-unique": {
      async up(db: Kysely<unknown>) {
        // One coder applies one code to one span once: applying it again is `on conflict do nothing`,
        // which is what keeps two clicks (or two servers) from storing the same coding twice.
        await db.schema
          .createIndex("codings_span_unique")
          .on("codings")
          .columns(["project_id", "code_id", "source_type", "source_id", "start_cp", "end_cp", "coder_id"])
          .unique()
          .execute();
      },
    },
    "005-jobs-host": {
      async up(db: Kysely<unknown>) {
        // A job's pid means something only on the machine that started it: with several app servers on
        // one PostgreSQL, a server checks whether a job's process is alive only for its own jobs.
        await db.schema.alterTable("jobs").addColumn("host", "text").execute();
      },
    },
    "006-posts-aggregates": {
      async up(db: Kysely<unknown>) {
        // Maps, report counts and discovery indicators aggregate a project's posts by author,
        // community, thread and reply link: with these columns in one index they read the index,
        // not the wide rows (100k posts: member map graph 2.6 s -> 1.3 s, counts 2.8 s -> 1.0 s).
        await db.schema
          .createIndex("posts_project_member_cover")
          .on("posts")
          .columns([
            "project_id",
            "member_id",
            "community_id",
            "thread_id",
            "parent_id",
            "created_at",
          ])
          .execute();
      },
    },
    "007-codings-by-code-in-order": {
      async up(db: Kysely<unknown>) {
        // A code's retrieval page walks its codings in the order they were made and stops at the page:
        // the cost of a page does not grow with the number of segments the code carries.
        await db.schema
          .createIndex("codings_code_created")
          .on("codings")
          .columns(["project_id", "code_id", "created_at", "id"])
          .execute();
      },
    },
    // Numbered 020 to leave 008-019 to the storage work landing at the same time; Kysely runs them in
    // name order and every database gets all of them.
    "020-sessions": {
      async up(db: Kysely<unknown>) {
        // Sessions on the server, so logging out (or a revoke, or a password change) ends them: a signed
        // cookie alone stays valid for as long as it says, wherever it was copied to.
        await db.schema
          .createTable("sessions")
          .addColumn("id", "text", (column) => column.primaryKey())
          .addColumn("user_id", "text", (column) => column.notNull())
          .addColumn("created_at", "text", (column) => column.notNull())
          .addColumn("expires_at", "text", (column) => column.notNull())
          .addColumn("last_seen_at", "text", (column) => column.notNull())
          .addColumn("user_agent", "text", (column) => column.notNull().defaultTo(""))
          .execute();
        await db.schema.createIndex("sessions_user").on("sessions").columns(["user_id"]).execute();
      },
    },
    "021-posts-by-thread-in-order": {
      async up(db: Kysely<unknown>) {
        // A thread page reads its posts by project and thread in reading order, and the threads list
        // counts the page's threads' posts: with only (thread_id, created_at) SQLite preferred walking
        // every post of the project by date to skip the sort (one thread at 1M posts: 11 s).
        // The threads list's "has a visible post" check is then one index probe per thread, not a walk
        // of the project's posts (it took posts_project_member_cover on project_id alone; member_id makes
        // this index cover the check, so SQLite prefers it).
        await db.schema
          .createIndex("posts_project_thread_order")
          .ifNotExists()
          .on("posts")
          .columns(["project_id", "thread_id", "created_at", "seq", "member_id"])
          .execute();
        // The threads list pages in the order it shows (newest activity, then id), so a page reads
        // its rows off the index and stops instead of sorting every thread of the project.
        await sql`create index if not exists threads_project_activity
          on threads (project_id, (coalesce(last_post_at, created_at)) desc, id)`.execute(db);
        await sql`create index if not exists threads_project_created_id
          on threads (project_id, created_at desc, id)`.execute(db);
      },
    },
    "022-search-index-filled-once-per-import": {
      async up(db: Kysely<unknown>) {
        if (engine !== "sqlite") return;
        // FTS5 writes its pending index out at the end of every statement: an import writing posts in
        // thousands of chunks left thousands of small segments to merge (most of a large import's time).
        // An import now names itself here and fills the index with one statement at its end, inside the
        // same transaction; every other insert (the upgrade, a future writer) is still indexed by the trigger.
        await db.schema
          .createTable("posts_fts_deferred")
          .addColumn("import_id", "text", (column) => column.primaryKey())
          .execute();
        await sql`drop trigger posts_fts_insert`.execute(db);
        await sql`create trigger posts_fts_insert after insert on posts
          when not exists (select 1 from posts_fts_deferred d where d.import_id = new.import_id)
          begin insert into posts_fts(rowid, title, text) values (new.seq, new.title, new.text); end`.execute(
          db,
        );
      },
    },
    "023-withheld-quotes": {
      async up(db: Kysely<unknown>) {
        // A post that quotes an opted-out member holds their words: the stored text has them blanked out
        // (offsets kept), and the original waits here until the member consents again.
        await db.schema
          .createTable("withheld_quotes")
          .addColumn("post_id", "text", (c) => c.primaryKey().references("posts.id").onDelete("cascade"))
          .addColumn("project_id", "text", (c) => c.notNull())
          .addColumn("original_text", "text", (c) => c.notNull())
          .addColumn("original_html", "text")
          .addColumn("member_ids", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("withheld_quotes_project").on("withheld_quotes").column("project_id").execute();
      },
    },
    "024-member-response-reviewer": {
      async up(db: Kysely<unknown>) {
        // A reviewer (a browser, by a random cookie; only a hash per link is kept) changes their response
        // to a finding instead of adding copies of it; `changed_at` says when they last did.
        await db.schema.alterTable("member_responses").addColumn("reviewer_key", "text").execute();
        await db.schema.alterTable("member_responses").addColumn("changed_at", "text").execute();
        await db.schema
          .createIndex("member_responses_reviewer")
          .on("member_responses")
          .columns(["link_id", "theme_id", "reviewer_key"])
          .execute();
      },
    },
    "025-posts-narrower-indexes": {
      async up(db: Kysely<unknown>) {
        // Every post is written into each index of the posts table, and at 1M posts their number, width
        // and random key order were most of an import's cost: nine secondary indexes, seven repeating the
        // 36-character project id, one of six ids written at each author's place (bare inserts of 1M
        // posts: 86 s of CPU with them, 52 s with these, 36 s with the two unique indexes alone). Ids of
        // threads, members and communities are unique across projects: an index that starts with one
        // needs no project id before it.
        // A thread's posts in reading order; the threads list's "has a visible post" probe reads the
        // author and project from the index alone.
        await sql`drop index if exists posts_thread`.execute(db);
        await sql`drop index if exists posts_project_thread_order`.execute(db);
        await db.schema
          .createIndex("posts_thread_order")
          .ifNotExists()
          .on("posts")
          .columns(["thread_id", "created_at", "seq", "member_id", "project_id"])
          .execute();
        // Only replies still waiting for their parent are looked up by the parent's source key (an
        // import links them when the parent arrives); most replies find their parent as they are written.
        await sql`drop index if exists posts_parent_key`.execute(db);
        await sql`create index if not exists posts_unlinked_replies on posts (project_id, parent_source_key)
          where parent_id is null and parent_source_key is not null`.execute(db);
        await sql`drop index if exists posts_parent`.execute(db);
        await sql`create index if not exists posts_replies on posts (parent_id)
          where parent_id is not null`.execute(db);
        await sql`drop index if exists posts_community`.execute(db);
        await db.schema
          .createIndex("posts_community_created")
          .ifNotExists()
          .on("posts")
          .columns(["community_id", "created_at"])
          .execute();
        // Counts, maps and indicators read the author, community, thread, reply link and date of every
        // post of a project: this index holds them in the order posts were written (seq), so an import
        // appends to it instead of writing at each author's place, as posts_project_member_cover did.
        // It also replaces posts_project_created, whose only use was counting a project's posts.
        await sql`drop index if exists posts_project_created`.execute(db);
        await sql`drop index if exists posts_project_member_cover`.execute(db);
        await db.schema
          .createIndex("posts_project_ids")
          .ifNotExists()
          .on("posts")
          .columns([
            "project_id",
            "seq",
            "member_id",
            "community_id",
            "thread_id",
            "parent_id",
            "created_at",
          ])
          .execute();
      },
    },
  };
}
