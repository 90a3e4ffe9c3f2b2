import { loadVisibleCorpus, type VisibleCorpus } from "../collection/corpus.js";
import { fieldNotesFile } from "../collection/model.js";
import { projectKeys } from "../projects/model.js";
import { ResearchError } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import { codePointLength, reanchorQuote, sliceCodePoints } from "../shared/text-offsets.js";
import type { DocumentStore } from "../store/index.js";
import { codebookFile, codingsFile, type Coding } from "./model.js";

type WithProject = { store: DocumentStore; slug: string };
export type SourceRef = { sourceType: "post" | "fieldnote"; sourceId: string };
/** A span of a source's stored plain text, [start, end) in code points. */
export type Span = SourceRef & { start: number; end: number };

/** The plain text a coding counts into: a visible post's text, or a field note's Markdown. */
export async function getSourceText({ store, slug, sourceType, sourceId, corpus }: WithProject & SourceRef & { corpus?: VisibleCorpus }): Promise<string> {
  if (sourceType === "post") {
    const visible = corpus ?? (await loadVisibleCorpus({ store, slug }));
    const post = visible.postsById.get(sourceId);
    if (!post) throw new ResearchError("not-found", "No such post (or its author opted out).", { field: "sourceId" });
    return post.text;
  }
  const notes = await store.read(fieldNotesFile, projectKeys.fieldNotes(slug));
  const note = notes.notes.find((candidate) => candidate.id === sourceId);
  if (!note) throw new ResearchError("not-found", "No such field note.", { field: "sourceId" });
  return note.markdown;
}

/**
 * Applies codes to a span of a post or field note. The span is checked against the stored text and the
 * quoted text is kept with the coding, so it can be re-anchored if offsets ever disagree with the text.
 * Applying the same code to the same span by the same coder twice adds nothing.
 */
export async function applyCode({ store, slug, span, codeIds, coderId }: WithProject & { span: Span; codeIds: string[]; coderId: string }): Promise<Coding[]> {
  if (codeIds.length === 0) throw new ResearchError("invalid-input", "Choose at least one code.", { field: "codeId" });
  const text = await getSourceText({ store, slug, ...span });
  const length = codePointLength(text);
  const start = span.start;
  const end = span.end;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > length || start >= end) {
    throw new ResearchError("invalid-input", `The span [${start}, ${end}) is not inside the text (${length} characters).`, { field: "start" });
  }
  const quote = sliceCodePoints(text, start, end);
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  for (const codeId of codeIds) {
    if (!codebook.codes.some((code) => code.id === codeId && !code.mergedInto)) throw new ResearchError("invalid-input", "That code is not in the codebook.", { field: "codeId" });
  }
  return store.update(codingsFile, projectKeys.codings(slug), (data) => {
    const added: Coding[] = [];
    for (const codeId of codeIds) {
      const existing = data.codings.find((c) => c.codeId === codeId && c.sourceId === span.sourceId && c.start === start && c.end === end && c.coderId === coderId);
      if (existing) continue;
      const coding: Coding = { id: newId(), codeId, sourceType: span.sourceType, sourceId: span.sourceId, start, end, quote, coderId, createdAt: nowIso() };
      data.codings.push(coding);
      added.push(coding);
    }
    return added;
  });
}

/** Removes a coding. */
export async function removeCoding({ store, slug, codingId }: WithProject & { codingId: string }): Promise<void> {
  await store.update(codingsFile, projectKeys.codings(slug), (data) => {
    const before = data.codings.length;
    data.codings = data.codings.filter((coding) => coding.id !== codingId);
    if (data.codings.length === before) throw new ResearchError("not-found", "No such coding.");
  });
}

/** Gives a coded span another code. */
export async function recodeCoding({ store, slug, codingId, codeId }: WithProject & { codingId: string; codeId: string }): Promise<void> {
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  if (!codebook.codes.some((code) => code.id === codeId && !code.mergedInto)) throw new ResearchError("invalid-input", "That code is not in the codebook.", { field: "codeId" });
  await store.update(codingsFile, projectKeys.codings(slug), (data) => {
    const coding = data.codings.find((candidate) => candidate.id === codingId);
    if (!coding) throw new ResearchError("not-found", "No such coding.");
    coding.codeId = codeId;
  });
}

/**
 * The codings of the visible sources (opted-out members' posts excluded), optionally of one coder,
 * re-anchored to their quote when the stored offsets no longer match the text.
 */
export async function listCodings({ store, slug, coderId, sourceIds }: WithProject & { coderId?: string; sourceIds?: Set<string> }): Promise<Coding[]> {
  const [data, corpus, notes] = await Promise.all([
    store.read(codingsFile, projectKeys.codings(slug)),
    loadVisibleCorpus({ store, slug }),
    store.read(fieldNotesFile, projectKeys.fieldNotes(slug)),
  ]);
  const noteText = new Map(notes.notes.map((note) => [note.id, note.markdown]));
  return data.codings.flatMap((coding) => {
    if (coderId && coding.coderId !== coderId) return [];
    if (sourceIds && !sourceIds.has(coding.sourceId)) return [];
    const text = coding.sourceType === "post" ? corpus.postsById.get(coding.sourceId)?.text : noteText.get(coding.sourceId);
    if (text === undefined) return [];
    if (sliceCodePoints(text, coding.start, coding.end) === coding.quote) return [coding];
    const anchor = reanchorQuote(text, coding.quote, coding.start);
    return anchor ? [{ ...coding, ...anchor }] : [];
  });
}

export type RetrievedSegment = {
  coding: Coding;
  before: string;
  after: string;
  source: { type: "post" | "fieldnote"; id: string; threadId: string | null; threadTitle: string; communityId: string | null; communityName: string; memberId: string | null; pseudonym: string | null; createdAt: string | null };
  otherCodeIds: string[];
};

export type RetrievalFilter = { communityId?: string; memberId?: string; from?: string; to?: string; coOccursWith?: string; coderId?: string };

/** Every segment coded with a code, with context and source, filterable by community, member, date and a second code. */
export async function retrieveSegments({ store, slug, codeId, filter = {} }: WithProject & { codeId: string; filter?: RetrievalFilter }): Promise<RetrievedSegment[]> {
  const corpus = await loadVisibleCorpus({ store, slug });
  const notes = await store.read(fieldNotesFile, projectKeys.fieldNotes(slug));
  const codings = await listCodings({ store, slug, coderId: filter.coderId });
  const bySource = new Map<string, Coding[]>();
  for (const coding of codings) bySource.set(coding.sourceId, [...(bySource.get(coding.sourceId) ?? []), coding]);
  const communityNames = new Map(corpus.communities.map((c) => [c.id, c.name]));
  const segments: RetrievedSegment[] = [];
  for (const coding of codings) {
    if (coding.codeId !== codeId) continue;
    const others = (bySource.get(coding.sourceId) ?? []).filter((other) => other.codeId !== codeId && other.start < coding.end && coding.start < other.end);
    if (filter.coOccursWith && !others.some((other) => other.codeId === filter.coOccursWith)) continue;
    let text: string;
    let source: RetrievedSegment["source"];
    if (coding.sourceType === "post") {
      const post = corpus.postsById.get(coding.sourceId)!;
      if (filter.communityId && post.communityId !== filter.communityId) continue;
      if (filter.memberId && post.memberId !== filter.memberId) continue;
      if (filter.from && (!post.createdAt || post.createdAt.slice(0, 10) < filter.from)) continue;
      if (filter.to && (!post.createdAt || post.createdAt.slice(0, 10) > filter.to)) continue;
      text = post.text;
      source = {
        type: "post", id: post.id, threadId: post.threadId, threadTitle: corpus.threads.get(post.threadId)?.title ?? "", communityId: post.communityId,
        communityName: communityNames.get(post.communityId) ?? "", memberId: post.memberId, pseudonym: post.memberId ? corpus.members.get(post.memberId)?.pseudonym ?? null : null, createdAt: post.createdAt,
      };
    } else {
      if (filter.communityId || filter.memberId) continue;
      const note = notes.notes.find((n) => n.id === coding.sourceId)!;
      if (filter.from && note.createdAt.slice(0, 10) < filter.from) continue;
      if (filter.to && note.createdAt.slice(0, 10) > filter.to) continue;
      text = note.markdown;
      source = { type: "fieldnote", id: note.id, threadId: null, threadTitle: note.title, communityId: null, communityName: "field note", memberId: null, pseudonym: null, createdAt: note.createdAt };
    }
    const length = codePointLength(text);
    segments.push({
      coding,
      before: sliceCodePoints(text, Math.max(0, coding.start - 120), coding.start),
      after: sliceCodePoints(text, coding.end, Math.min(length, coding.end + 120)),
      source,
      otherCodeIds: [...new Set(others.map((other) => other.codeId))],
    });
  }
  return segments.sort((a, b) => (a.source.createdAt ?? "").localeCompare(b.source.createdAt ?? ""));
}

/**
 * Adds many codings in one write (used by REFI-QDA import): spans are checked against their texts and
 * the quote kept; invalid items are returned, not written.
 */
export async function addCodingsInBulk({ store, slug, items }: WithProject & { items: Array<{ span: Span; codeId: string; coderId: string; createdAt?: string }> }): Promise<{ added: number; invalid: number }> {
  const corpus = await loadVisibleCorpus({ store, slug });
  const notes = await store.read(fieldNotesFile, projectKeys.fieldNotes(slug));
  const noteText = new Map(notes.notes.map((note) => [note.id, note.markdown]));
  const valid: Coding[] = [];
  let invalid = 0;
  for (const item of items) {
    const text = item.span.sourceType === "post" ? corpus.postsById.get(item.span.sourceId)?.text : noteText.get(item.span.sourceId);
    if (text === undefined || item.span.start < 0 || item.span.end > codePointLength(text) || item.span.start >= item.span.end) {
      invalid++;
      continue;
    }
    valid.push({ id: newId(), codeId: item.codeId, sourceType: item.span.sourceType, sourceId: item.span.sourceId, start: item.span.start, end: item.span.end, quote: sliceCodePoints(text, item.span.start, item.span.end), coderId: item.coderId, createdAt: item.createdAt ?? nowIso() });
  }
  const added = await store.update(codingsFile, projectKeys.codings(slug), (data) => {
    const seen = new Set(data.codings.map((c) => `${c.codeId}|${c.sourceId}|${c.start}|${c.end}|${c.coderId}`));
    let count = 0;
    for (const coding of valid) {
      const key = `${coding.codeId}|${coding.sourceId}|${coding.start}|${coding.end}|${coding.coderId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      data.codings.push(coding);
      count++;
    }
    return count;
  });
  return { added, invalid };
}
