import { z } from "zod";
import { corpusBatchFile, corpusManifestFile } from "../collection/model.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import type { DocumentStore, StoredFileKind } from "../store/index.js";
import { AnnotationSchema, annotateText, usesEnglishModel, type Annotation } from "./annotate.js";

/** One annotations file per corpus batch, so a run writes in steps and pages read only what they need. */
const AnnotationsFileSchema = z.object({ annotations: z.record(z.string(), AnnotationSchema), skipped: z.array(z.string()).default([]) });
const annotationsFile: StoredFileKind<z.infer<typeof AnnotationsFileSchema>> = {
  description: "NLP annotations",
  schema: AnnotationsFileSchema,
  version: 1,
  empty: () => ({ annotations: {}, skipped: [] }),
};
const annotationsKey = (slug: string, batchId: string) => `projects/${slug}/nlp/${batchId}.json`;

export type AnnotateProgress = { done: number; total: number };
export type AnnotateReport = { annotated: number; alreadyAnnotated: number; notEnglish: number; tokens: number };

/**
 * Annotates every post not annotated yet (sentences, sentiment, entities, hashtags, mentions, emoji,
 * key terms) and stores the results, one batch at a time. Posts not in English are flagged, not annotated.
 */
export async function annotateProject({ store, slug, onProgress }: { store: DocumentStore; slug: string; onProgress?: (progress: AnnotateProgress) => void }): Promise<AnnotateReport> {
  await requireProject({ store, slug });
  const manifest = await store.read(corpusManifestFile, projectKeys.corpusManifest(slug));
  const total = manifest.batches.reduce((sum, batch) => sum + batch.posts, 0);
  const report: AnnotateReport = { annotated: 0, alreadyAnnotated: 0, notEnglish: 0, tokens: 0 };
  let done = 0;
  for (const batch of manifest.batches) {
    const posts = (await store.read(corpusBatchFile, projectKeys.corpusBatch(slug, batch.id))).posts;
    const existing = await store.read(annotationsFile, annotationsKey(slug, batch.id));
    const fresh: Record<string, Annotation> = {};
    const skipped: string[] = [];
    for (const post of posts) {
      done++;
      if (existing.annotations[post.id]) report.alreadyAnnotated++;
      else if (!usesEnglishModel(post.language)) {
        skipped.push(post.id);
        report.notEnglish++;
      } else {
        const annotation = annotateText(post.text);
        fresh[post.id] = annotation;
        report.annotated++;
        report.tokens += annotation.tokens;
      }
      if (done % 500 === 0) onProgress?.({ done, total });
    }
    if (Object.keys(fresh).length || skipped.length) {
      await store.update(annotationsFile, annotationsKey(slug, batch.id), (data) => {
        Object.assign(data.annotations, fresh);
        data.skipped = [...new Set([...data.skipped, ...skipped])];
      });
    }
  }
  onProgress?.({ done: total, total });
  return report;
}

/** Stored annotations of the given posts (by post id); posts without one are simply absent. */
export async function loadAnnotations({ store, slug }: { store: DocumentStore; slug: string }): Promise<Map<string, Annotation>> {
  const manifest = await store.read(corpusManifestFile, projectKeys.corpusManifest(slug));
  const all = new Map<string, Annotation>();
  for (const batch of manifest.batches) {
    if (!(await store.exists(annotationsKey(slug, batch.id)))) continue;
    const data = await store.read(annotationsFile, annotationsKey(slug, batch.id));
    for (const [postId, annotation] of Object.entries(data.annotations)) all.set(postId, annotation);
  }
  return all;
}
