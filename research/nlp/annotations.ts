import { projectSql, visiblePosts } from "../collection/corpus.js";
import { getLatestJob, startCliJob, type BackgroundJob } from "../shared/background-jobs.js";
import { inTransaction, type DocumentStore, type Queryable } from "../store/index.js";
import { AnnotationSchema, annotateText, usesEnglishModel, type Annotation } from "./annotate.js";

export type AnnotateProgress = { done: number; total: number };
export type AnnotateReport = {
  annotated: number;
  alreadyAnnotated: number;
  notEnglish: number;
  tokens: number;
};

/** Posts read, annotated and stored per step: one transaction each, so a stopped run keeps what it did. */
const BATCH_SIZE = 500;

/**
 * Annotates every visible post not annotated yet (sentences, sentiment, entities, hashtags, mentions,
 * emoji, key terms) and stores the results, one batch per transaction. Posts not in English are flagged
 * (`skipped`), not annotated. Re-running reads only posts without an annotation row.
 */
export async function annotateProject({
  store,
  slug,
  onProgress,
}: {
  store: DocumentStore;
  slug: string;
  onProgress?: (progress: AnnotateProgress) => void;
}): Promise<AnnotateReport> {
  const { database, db, projectId } = await projectSql({ store, slug });
  const counts = await visiblePosts(db, projectId)
    .leftJoin("annotations as a", "a.post_id", "p.id")
    .select((eb) => [
      eb.fn.countAll<number>().as("total"),
      eb.fn.count<number>("a.post_id").as("stored"),
      eb.fn
        .sum<number>(eb.case().when("a.state", "=", "annotated").then(1).else(0).end())
        .as("annotated"),
    ])
    .executeTakeFirstOrThrow();
  const total = Number(counts.total);
  const alreadyAnnotated = Number(counts.annotated ?? 0);
  const alreadySkipped = Number(counts.stored) - alreadyAnnotated;
  const report: AnnotateReport = {
    annotated: 0,
    alreadyAnnotated,
    notEnglish: alreadySkipped,
    tokens: 0,
  };
  let done = Number(counts.stored);
  onProgress?.({ done, total });

  let after = 0;
  for (;;) {
    const posts = await visiblePosts(db, projectId)
      .leftJoin("annotations as a", "a.post_id", "p.id")
      .where("a.post_id", "is", null)
      .where("p.seq", ">", after)
      .select(["p.seq", "p.id", "p.text", "p.language"])
      .orderBy("p.seq")
      .limit(BATCH_SIZE)
      .execute();
    if (posts.length === 0) break;
    after = Number(posts[posts.length - 1].seq);
    const rows = posts.map((post) => {
      if (!usesEnglishModel(post.language))
        return { post_id: post.id, project_id: projectId, state: "skipped", data: null };
      const annotation = annotateText(post.text);
      report.tokens += annotation.tokens;
      return {
        post_id: post.id,
        project_id: projectId,
        state: "annotated",
        data: JSON.stringify(annotation),
      };
    });
    const stored = await inTransaction(database, async (trx) => {
      // A post erased while this batch was being read has no row to annotate any more.
      const ids = rows.map((row) => row.post_id);
      const present = new Set(
        (await trx.selectFrom("posts").select("id").where("id", "in", ids).execute()).map(
          (row) => row.id,
        ),
      );
      const kept = rows.filter((row) => present.has(row.post_id));
      if (kept.length > 0) {
        // Another run may have annotated some of these meanwhile: the same text gives the same annotation.
        await trx
          .insertInto("annotations")
          .values(kept)
          .onConflict((conflict) => conflict.column("post_id").doNothing())
          .execute();
      }
      return kept;
    });
    for (const row of stored) {
      if (row.state === "annotated") report.annotated++;
      else report.notEnglish++;
    }
    done += posts.length;
    onProgress?.({ done: Math.min(done, total), total });
    if (posts.length < BATCH_SIZE) break;
  }
  onProgress?.({ done: total, total });
  return report;
}

/** Stored annotations of the given visible posts (by post id); posts without one are simply absent. */
export async function getAnnotations({
  store,
  slug,
  postIds,
}: {
  store: DocumentStore;
  slug: string;
  postIds: Iterable<string>;
}): Promise<Map<string, Annotation>> {
  const { db, projectId } = await projectSql({ store, slug });
  return getAnnotationsIn(db, projectId, postIds);
}

const ID_CHUNK = 500;

/** The same, on a query runner (inside a transaction or a job that already holds the project's id). */
export async function getAnnotationsIn(
  db: Queryable,
  projectId: string,
  postIds: Iterable<string>,
): Promise<Map<string, Annotation>> {
  const ids = [...new Set(postIds)];
  const found = new Map<string, Annotation>();
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const rows = await visiblePosts(db, projectId)
      .innerJoin("annotations as a", "a.post_id", "p.id")
      .select(["a.post_id", "a.data"])
      .where("a.state", "=", "annotated")
      .where("p.id", "in", ids.slice(i, i + ID_CHUNK))
      .execute();
    for (const row of rows) {
      const annotation = parseAnnotation(row.data);
      if (annotation) found.set(row.post_id, annotation);
    }
  }
  return found;
}

/** An annotation row's JSON; a row that does not parse is treated as absent (the post is read again). */
export function parseAnnotation(data: string | null): Annotation | null {
  if (!data) return null;
  try {
    const parsed = AnnotationSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const ANNOTATION_JOB = "annotate";
export type AnnotationJob = BackgroundJob<AnnotateReport>;

/** Starts `netno annotate` in a background process, or returns the annotation run already going. */
export async function startAnnotationJob({
  store,
  dataDir,
  slug,
  userId,
}: {
  store: DocumentStore;
  dataDir: string;
  slug: string;
  userId: string;
}): Promise<AnnotationJob> {
  const latest = await getLatestJob<AnnotateReport>({ store, slug, kind: ANNOTATION_JOB });
  if (latest?.state === "running") return latest;
  return startCliJob<AnnotateReport>({
    kind: ANNOTATION_JOB,
    slug,
    userId,
    title: "NLP annotation",
    args: ["annotate", slug],
    dataDir,
    store,
  });
}

/** The project's latest annotation job (running, done or failed), or null. */
export function getAnnotationJob({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<AnnotationJob | null> {
  return getLatestJob<AnnotateReport>({ store, slug, kind: ANNOTATION_JOB });
}
