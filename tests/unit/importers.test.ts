import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { readStoredCorpus } from "../helpers/corpus-rows.js";
import { buildProject, buildStore, buildUser, SHARED_DATA } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

async function importInto(
  files: string[],
  options: {
    format?: string;
    skipInvalid?: boolean;
    columns?: Record<string, string>;
    dateFormat?: "DD/MM" | "MM/DD";
  } = {},
) {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const report = await importFiles({ store, slug: project.slug, files, ...options });
  const corpus = await readStoredCorpus(store, project.slug);
  const replyLinks = corpus.posts.filter((post) => post.parentId).length;
  return { store, project, report, corpus, replyLinks };
}

test("stackexchange: the conlang meta dump folder gives questions as threads, answers and comments as replies", async () => {
  const { report, replyLinks, corpus } = await importInto([
    path.join(SHARED_DATA, "stackexchange-conlang-meta"),
  ]);
  expect(report).toMatchObject({ posts: 399, threads: 54, members: 71, orphans: 0, skipped: 0 });
  expect(replyLinks).toBe(345);
  // Members are named by Users.xml display names.
  const names = [...corpus.members.values()].map((member) => member.handle);
  expect(names).toContain("Community");
  expect(corpus.posts.every((post) => !post.text.includes("<p>"))).toBe(true);
});

test("stackexchange: every file of a dump selected one by one imports as one dump; files without posts are noted", async () => {
  const folder = path.join(SHARED_DATA, "stackexchange-conlang-meta");
  const names = ["Badges.xml", "Comments.xml", "PostHistory.xml", "PostLinks.xml", "Posts.xml"];
  const { report } = await importInto(
    [...names, "Tags.xml", "Users.xml", "Votes.xml"].map((name) => path.join(folder, name)),
  );
  expect(report).toMatchObject({ posts: 399, threads: 54, members: 71 });
  expect(report.ignoredFiles.map((entry) => entry.file).sort()).toEqual([
    "Badges.xml",
    "PostHistory.xml",
    "PostLinks.xml",
    "Tags.xml",
    "Votes.xml",
  ]);
  await expect(importInto([path.join(folder, "Badges.xml")])).rejects.toThrow(
    /None of the files holds posts: Badges\.xml/,
  );
});

test("stackexchange: the older quantumcomputing schema (no ContentLicense) imports from its files", async () => {
  const folder = path.join(SHARED_DATA, "stackexchange-quantumcomputing");
  const { report } = await importInto(
    ["Posts.xml", "Comments.xml", "Users.xml"].map((name) => path.join(folder, name)),
  );
  expect(report).toMatchObject({ posts: 612 + 1060 + 3413, threads: 612 });
}, 120_000);

test("discourse: a topic page with 20 of 22 posts counts the 2 missing ones as not collected", async () => {
  const { report, replyLinks, corpus } = await importInto([
    path.join(SHARED_DATA, "discourse-ublock/discourse_topic_1148.json"),
  ]);
  expect(report).toMatchObject({ posts: 20, threads: 1, members: 10, notCollected: 2, orphans: 0 });
  expect(replyLinks).toBe(9);
  expect([...corpus.threads.values()][0].title).toBe("[Support] uBlock Origin");
});

test("discourse: a topic saved page by page counts what is missing once; one post, or a bare array of posts, imports too", async () => {
  // The real topic (20 of its 22 posts) cut into two pages, each listing all 22 ids as Discourse does.
  const topic = JSON.parse(
    await readFile(path.join(SHARED_DATA, "discourse-ublock/discourse_topic_1148.json"), "utf8"),
  );
  const dir = await mkdtemp(path.join(os.tmpdir(), "netno-discourse-pages-"));
  const page = (posts: unknown[]) =>
    JSON.stringify({ ...topic, post_stream: { ...topic.post_stream, posts } });
  const pages = [path.join(dir, "1148-page-1.json"), path.join(dir, "1148-page-2.json")];
  await writeFile(pages[0], page(topic.post_stream.posts.slice(0, 10)));
  await writeFile(pages[1], page(topic.post_stream.posts.slice(10)));
  await writeFile(
    path.join(dir, "posts.json"),
    JSON.stringify(topic.post_stream.posts.slice(0, 3)),
  );
  const paged = await importInto(pages);
  expect(paged.report).toMatchObject({
    posts: 20,
    threads: 1,
    members: 10,
    notCollected: 2,
    orphans: 0,
  });
  expect(paged.replyLinks).toBe(9);

  const single = await importInto([path.join(SHARED_DATA, "discourse-ublock/discourse_post.json")]);
  expect(single.report).toMatchObject({ posts: 1, threads: 1, members: 1, formats: ["discourse"] });
  expect([...single.corpus.threads.values()][0].title).toBe(
    "Migrating or moving workloads question",
  );

  const array = await importInto([path.join(dir, "posts.json")]);
  expect(array.report).toMatchObject({ posts: 3, threads: 1, formats: ["discourse"] });
});

test("mastodon: a /context response is one thread around the status it was asked about; a boost is not the booster's words", async () => {
  const { report, replyLinks, corpus } = await importInto([
    path.join(FIXTURES, "mastodon-context.json"),
  ]);
  // 2203 (the status asked about) is not in the response: its reply is an orphan of the same thread.
  expect(report).toMatchObject({
    posts: 4,
    threads: 1,
    members: 3,
    orphans: 1,
    formats: ["mastodon"],
  });
  expect(replyLinks).toBe(2);
  expect([...corpus.members.values()].map((member) => member.handle).sort()).toEqual([
    "ana@m.example",
    "bo@other.example",
    "cy@m.example",
  ]);
});

test("mastodon: an account archive keeps conversations, counts replies to others as orphans, and keeps privacy signals", async () => {
  const { report, replyLinks, corpus } = await importInto([
    path.join(SHARED_DATA, "mastodon-outbox/outbox.json"),
  ]);
  expect(report).toMatchObject({ posts: 1260, threads: 957, members: 1, orphans: 193 });
  expect(replyLinks).toBe(422 - 193);
  const [member] = [...corpus.members.values()];
  expect(member.handle).toBe("dealingwith@indieweb.social");
  expect(member.privacySignals).toContain("indexable: false");
});

test("mastodon: API statuses link replies across instances and keep noindex / discoverable: false", async () => {
  const { report, replyLinks, corpus } = await importInto([
    path.join(FIXTURES, "mastodon-statuses.json"),
  ]);
  expect(report).toMatchObject({ posts: 4, threads: 2, members: 3, orphans: 1 });
  expect(replyLinks).toBe(2);
  const bo = [...corpus.members.values()].find((member) => member.handle === "bo@other.example");
  expect(bo?.privacySignals).toEqual(["noindex", "discoverable: false"]);
  expect(corpus.posts.some((post) => post.html?.includes("<script"))).toBe(false);
});

test("mbox: messages thread by Message-ID, In-Reply-To and References", async () => {
  const { report, replyLinks } = await importInto([
    path.join(SHARED_DATA, "mbox-spamassassin-ham/easy-ham-2.mbox"),
  ]);
  expect(report.posts).toBe(1400);
  expect(report.members).toBe(425);
  // One archive is one community, named after the file when its lists are mixed (this one mixes 24).
  expect(report.communities).toEqual(["easy-ham-2"]);
  expect(replyLinks).toBe(633);
}, 120_000);

test("mbox: a pipermail archive (senders 'user at host (Name)', lower-case headers, bare ids, ctime dates, a month twice)", async () => {
  const file = path.join(FIXTURES, "pipermail-2001-January.txt");
  // Read on a server far from UTC: a ctime date must not take the server's zone.
  const zone = process.env.TZ;
  process.env.TZ = "America/New_York";
  const { report, replyLinks, corpus } = await importInto([file]).finally(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });
  expect(report.formats).toEqual(["mbox"]);
  // The headerless message is skipped and listed without stopping the import; the repeated month adds nothing.
  expect(report).toMatchObject({
    posts: 4,
    threads: 1,
    members: 3,
    duplicates: 1,
    skipped: 1,
    orphans: 0,
  });
  expect(report.invalid).toEqual([
    expect.objectContaining({ line: 27, message: expect.stringMatching(/no headers/) }),
  ]);
  expect(replyLinks).toBe(3);
  const members = [...corpus.members.values()].map((m) => `${m.handle}|${m.displayName}`).sort();
  expect(members).toEqual([
    "jdoe@example.org|John Doe",
    "mara.k@campers.example.net|Mara K.",
    "teo@example.org|Teo",
  ]);
  const bySource = new Map(corpus.posts.map((post) => [post.sourceId, post]));
  // ctime dates without a zone are UTC wherever the server runs; a bare Message-ID gets its brackets.
  expect(bySource.get("<msg1@example.org>")?.createdAt).toBe("2001-01-03T10:00:00.000Z");
  expect(bySource.get("<msg2@campers.example.net>")?.createdAt).toBe("2001-01-03T11:30:00.000Z");
  // Teo's message has no Message-ID: a stable derived id, and still the reply to Mara's.
  const teo = corpus.posts.find((post) => post.text.startsWith("Which pad"))!;
  expect(teo.sourceId).toMatch(/^<derived-[0-9a-f]{32}@netno\.invalid>$/);
  expect(teo.parentId).toBe(bySource.get("<msg2@campers.example.net>")?.id);
  const again = await importInto([file]);
  expect(again.corpus.posts.find((post) => post.text.startsWith("Which pad"))?.sourceId).toBe(
    teo.sourceId,
  );
});

test("reddit: a thread page walks nested replies, decodes entities, counts 'more' stubs, and keeps [deleted] out of members", async () => {
  const { report, replyLinks, corpus } = await importInto([
    path.join(FIXTURES, "reddit-thread.json"),
  ]);
  expect(report).toMatchObject({ posts: 6, threads: 1, members: 3, notCollected: 5, orphans: 0 });
  expect(replyLinks).toBe(5);
  const submission = corpus.posts.find((post) => post.sourceId === "t3_1abcde")!;
  expect(submission.text).toContain("Solar setup keeps dying & I'm stuck");
  expect(submission.text).toContain("200W panel & lithium");
  expect(corpus.threads.get(submission.threadId)?.title).toBe(
    "Solar setup keeps dying & I'm stuck",
  );
  expect(corpus.posts.find((post) => post.sourceId === "t1_c5")?.text).toBe(
    "Also: a battery monitor (shunt) will tell you where the energy goes > guessing.",
  );
  const removed = corpus.posts.find((post) => post.sourceId === "t1_c4")!;
  expect(removed.memberId).toBeNull();
  expect(removed.deletedUpstream).toBe(true);
});

test("reddit: Arctic Shift NDJSON flags posts deleted later and keeps orphans", async () => {
  const { report, replyLinks, corpus } = await importInto([
    path.join(FIXTURES, "reddit-arctic-shift.ndjson"),
  ]);
  expect(report).toMatchObject({
    posts: 6,
    threads: 2,
    members: 3,
    orphans: 2,
    deletedUpstream: 2,
  });
  expect(replyLinks).toBe(3);
  expect(corpus.posts.find((post) => post.sourceId === "t1_k4")?.orphan).toBe(true);
  expect(corpus.communities.map((community) => community.name)).toEqual(["r/vandwellers"]);
});

test("hn: Firebase items find their story through parents; deleted items have no author", async () => {
  const { report, replyLinks, corpus } = await importInto([path.join(FIXTURES, "hn-items.ndjson")]);
  expect(report).toMatchObject({ posts: 4, threads: 1, members: 3, notCollected: 1 });
  expect(replyLinks).toBe(3);
  const jwecker = corpus.posts.find((post) => post.sourceId === "9153")!;
  expect(jwecker.html).not.toContain("javascript:");
});

test("hn: a crawler's wrapper object holding the story and its comments; a deleted comment has no author", async () => {
  const file = path.join(FIXTURES, "hn-story-with-comments.json");
  const { report, replyLinks, corpus } = await importInto([file]);
  expect(report).toMatchObject({
    posts: 4,
    threads: 1,
    members: 3,
    orphans: 0,
    deletedUpstream: 1,
  });
  expect(report.formats).toEqual(["hn"]);
  expect(replyLinks).toBe(3);
  const deleted = corpus.posts.find((post) => post.sourceId === "9153")!;
  expect(deleted.memberId).toBeNull();
  expect(corpus.posts.find((post) => post.sourceId === "8863")?.text).toMatch(/^My YC app/);
});

test("hn: an Algolia item tree", async () => {
  const { report, replyLinks } = await importInto([path.join(FIXTURES, "hn-algolia-item.json")]);
  expect(report).toMatchObject({ posts: 3, threads: 1, members: 2 });
  expect(replyLinks).toBe(2);
});

test("telegram: text as string or entity array, replies, service messages left out", async () => {
  const { report, replyLinks, corpus } = await importInto([
    path.join(FIXTURES, "telegram-result.json"),
  ]);
  expect(report).toMatchObject({ posts: 4, threads: 1, members: 3 });
  expect(replyLinks).toBe(2);
  expect(corpus.posts.find((post) => post.sourceId === "123456/3")?.text).toBe(
    "Wool, see https://example.org/wool — breathes better",
  );
});

test("telegram: an account export's chats.list; a reply to another chat's message is an orphan, not linked here", async () => {
  const file = path.join(FIXTURES, "telegram-account-export.json");
  const { report, corpus } = await importInto([file]);
  // Two chats (communities and threads), service messages left out, the channel is a member too.
  expect(report).toMatchObject({ posts: 4, threads: 2, members: 3, orphans: 1, skipped: 0 });
  expect(report.formats).toEqual(["telegram"]);
  const byId = new Map(corpus.posts.map((post) => [post.sourceId, post]));
  // Teo answered the channel's post 1, not Mara's message 1 of the group.
  const answer = byId.get("1700000002/3")!;
  expect(answer.parentId).toBeNull();
  expect(byId.get("1700000002/4")?.parentId).toBe(answer.id);
  expect(byId.get("1700000001/1")?.text).toBe("New guide: sizing a lithium bank for winter.");
  expect(byId.has("1700000001/3")).toBe(false);
});

test("twitter: API v2 conversation is the thread, replied_to the parent, users from includes", async () => {
  const { report, replyLinks, corpus } = await importInto([path.join(FIXTURES, "twitter-v2.json")]);
  expect(report).toMatchObject({ posts: 3, threads: 1, members: 2 });
  expect(replyLinks).toBe(2);
  expect([...corpus.members.values()].map((member) => member.handle).sort()).toEqual([
    "kit_builds",
    "solarvan_sam",
  ]);
});

test("twitter: twarc2 pages link replies to parents sent only as includes, leave retweets out, count API errors; a second crawl adds nothing", async () => {
  const file = path.join(FIXTURES, "twarc2-conversation.jsonl");
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const report = await importFiles({ store, slug, files: [file] });
  expect(report).toMatchObject({
    posts: 4,
    threads: 1,
    members: 3,
    orphans: 0,
    notCollected: 1,
    formats: ["twitter"],
  });
  const corpus = await readStoredCorpus(store, slug);
  expect(corpus.posts.filter((post) => post.parentId)).toHaveLength(3);
  const handles = [...corpus.members.values()].map((member) => member.handle).sort();
  expect(handles).toEqual(["kit_builds", "rae_roams", "solarvan_sam"]);
  expect(corpus.posts.find((post) => post.sourceId === "1790000000000000001")?.text).toBe(
    "First night off-grid with the new 200W panel & lithium bank.",
  );
  const again = await importFiles({ store, slug, files: [file] });
  expect(again).toMatchObject({ posts: 0, members: 0, duplicates: 4 });
});

test("youtube: the video is the thread; replies beyond those inlined are not collected", async () => {
  const { report, replyLinks } = await importInto([
    path.join(FIXTURES, "youtube-commentthreads.json"),
  ]);
  expect(report).toMatchObject({ posts: 4, threads: 1, members: 3, notCollected: 5 });
  expect(replyLinks).toBe(2);
});

test("4cat csv: Reddit fullnames in parent (t1_, t3_) thread the replies; zone-less timestamps are UTC", async () => {
  const zone = process.env.TZ;
  process.env.TZ = "Asia/Tokyo";
  const { report, replyLinks, corpus } = await importInto([
    path.join(FIXTURES, "4cat-reddit-export.csv"),
  ]).finally(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });
  expect(report).toMatchObject({ posts: 4, threads: 1, members: 3, orphans: 0 });
  expect(replyLinks).toBe(3);
  expect(corpus.posts.find((post) => post.sourceId === "xyz1")?.createdAt).toBe(
    "2024-01-02T10:00:00.000Z",
  );
});

test("csv: slash dates are read in the order the column shows, and never guessed when it cannot tell", async () => {
  const dayFirst = await importInto([path.join(FIXTURES, "csv-day-first-dates.csv")]);
  expect(dayFirst.corpus.posts.map((post) => post.createdAt).sort()).toEqual([
    "2020-01-02T10:00:00.000Z",
    "2020-01-25T00:00:00.000Z",
  ]);
  const ambiguous = path.join(FIXTURES, "csv-ambiguous-dates.csv");
  await expect(importInto([ambiguous])).rejects.toThrow(
    /csv-ambiguous-dates\.csv: the dates in column "timestamp" can be read as day\/month or as month\/day \("02\/01\/2020 10:00", line 2\).*--date-format DD\/MM or --date-format MM\/DD/,
  );
  const monthFirst = await importInto([ambiguous], { dateFormat: "MM/DD" });
  expect(monthFirst.corpus.posts.map((post) => post.createdAt).sort()).toEqual([
    "2020-02-01T10:00:00.000Z",
    "2020-03-01T00:00:00.000Z",
  ]);
});

test("zeeschuimer: every platform with an author and text imports; other items are skipped and listed, never stopping the file", async () => {
  const { report, corpus } = await importInto([path.join(FIXTURES, "zeeschuimer.ndjson")]);
  // TikTok, Instagram, LinkedIn (with an actor) and X; the LinkedIn item without one and a Pinterest pin skipped.
  expect(report).toMatchObject({ posts: 4, members: 4, skipped: 2 });
  expect(report.invalid.map((entry) => [entry.line, entry.field])).toEqual([
    [3, "data"],
    [6, "data"],
  ]);
  const texts = new Map(corpus.posts.map((post) => [post.sourceId, post.text]));
  // HTML entities in the platforms' plain text are decoded.
  expect(texts.get("1730000000000000001")).toBe("Panels & batteries > generators");
  expect(texts.get("urn:li:activity:7100000000000000002")).toBe(
    "Six months living in a van & working remotely: what I learned <thread>",
  );
  const handles = [...corpus.members.values()].map((member) => member.handle).sort();
  expect(handles).toContain("jana-novak-42");
});

test("rss/atom: entries thread by thr:in-reply-to and lose their event handlers", async () => {
  const atom = await importInto([path.join(FIXTURES, "blog-comments.atom")]);
  expect(atom.report).toMatchObject({ posts: 3, threads: 1, members: 2 });
  expect(atom.replyLinks).toBe(2);
  expect(atom.corpus.posts.some((post) => post.html?.includes("onerror"))).toBe(false);
  const rss = await importInto([path.join(FIXTURES, "news.rss")]);
  expect(rss.report).toMatchObject({ posts: 2, threads: 2 });
  expect(rss.corpus.posts.some((post) => post.html?.includes("javascript:"))).toBe(false);
});

test("csv: 4CAT's schema needs no mapping; other columns are mapped; a missing column is named", async () => {
  const fourcat = await importInto([path.join(FIXTURES, "4cat-export.csv")]);
  expect(fourcat.report).toMatchObject({ posts: 4, threads: 2, members: 3 });
  expect(fourcat.corpus.posts.find((post) => post.sourceId === "102")?.text).toBe(
    "Yes — mine runs all night.\nSecond line.",
  );
  await expect(importInto([path.join(FIXTURES, "custom.csv")])).rejects.toThrow(
    /no column "id".*Columns found: post_no, who, message, posted/,
  );
  const mapped = await importInto([path.join(FIXTURES, "custom.csv")], {
    columns: { id: "post_no", author: "who", body: "message", timestamp: "posted" },
  });
  expect(mapped.report).toMatchObject({ posts: 2, members: 2 });
});
