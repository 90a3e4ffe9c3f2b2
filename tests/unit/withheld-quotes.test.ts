import path from "node:path";
import { describe, expect, test } from "vitest";
import { applyCode, createCodes, listCodings } from "../../research/coding/index.js";
import {
  blankPassages,
  findQuotedPassages,
  attributionNames,
  isAttributedTo,
} from "../../research/collection/quoted-passages.js";
import {
  importFiles,
  iterateVisiblePosts,
  searchProject,
  type CorpusPost,
} from "../../research/collection/index.js";
import { purgeMember, recordConsent, resolveMemberByHandle } from "../../research/entree/index.js";
import { sqlFor, type DocumentStore } from "../../research/store/index.js";
import { codePointLength } from "../../research/shared/text-offsets.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");
const ALICE_WORDS = /firmware update bricked|inverter hums|glue the panels|roof rack voids/i;

async function visiblePostsOf(store: DocumentStore, slug: string): Promise<CorpusPost[]> {
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  return posts;
}

async function projectWith(...fixtures: string[]) {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: fixtures.map((name) => path.join(FIXTURES, name)) });
  return { store, slug, owner };
}

/** Every text the database holds for the project's posts, codings, suggestions and kept originals. */
async function storedTexts(store: DocumentStore): Promise<string> {
  const { db } = await sqlFor(store);
  const rows = [
    ...(await db.selectFrom("posts").select(["text", "html"]).execute()),
    ...(await db.selectFrom("codings").select("quote as text").execute()),
    ...(await db
      .selectFrom("withheld_quotes")
      .select(["original_text", "original_html"])
      .execute()),
  ];
  return JSON.stringify(rows);
}

describe("finding quoted passages", () => {
  test("e-mail quoting, with the attribution line and a quote of a quote on its own", () => {
    const text =
      "On Mon, 6 Jan 2025, Alice Wong <alice@example.org> wrote:\n> the roof rack voids the lease\n> > Bob wrote:\n> > > sealant will not hold\n\nI disagree.";
    const passages = findQuotedPassages(text, null);
    expect(passages.map((p) => p.attribution)).toEqual([
      "On Mon, 6 Jan 2025, Alice Wong <alice@example.org> wrote:",
      null,
      "Bob wrote:",
    ]);
    expect(passages.map((p) => p.words)).toEqual([
      "the roof rack voids the lease",
      "Bob wrote:",
      "sealant will not hold",
    ]);
  });

  test("BBCode quotes name their author; Discourse asides and blockquotes are found in the stored text", () => {
    const bb = findQuotedPassages(
      'Yes [quote="alice_w, post:1, topic:77"]it bricked twice[/quote] ok',
      null,
    );
    expect(bb).toMatchObject([{ attribution: "alice_w", words: "it bricked twice" }]);
    const html =
      '<aside class="quote"><div class="title"> alice_w:</div><blockquote><p>it bricked twice, sadly</p></blockquote></aside><p>Same.</p>';
    const text = "alice_w:\n\nit bricked twice, sadly\n\nSame.";
    const [aside] = findQuotedPassages(text, html);
    expect(aside.attribution).toBe("alice_w:");
    expect(text.slice(aside.start, aside.end)).toBe("it bricked twice, sadly");
    // A short ">" or a greater-than sign in prose is not a quote.
    expect(findQuotedPassages("a > b\n> ok", null)).toEqual([]);
  });

  test("blanking keeps every code point offset, line breaks and quote markers", () => {
    const text = "Before 🎉\n> quoted words with ünïcödé 🚐 here\n> and more\nAfter 🎉";
    const [passage] = findQuotedPassages(text, null);
    const blanked = blankPassages(text, [passage]);
    expect(codePointLength(blanked)).toBe(codePointLength(text));
    expect(blanked).toBe(
      `Before 🎉\n> [quote withheld]${" ".repeat(16)}\n> ${" ".repeat(8)}\nAfter 🎉`,
    );
    expect(blanked).not.toMatch(/ünïcödé|more/);
  });

  test("attribution names: handle, address spelt with ' at ', display name; never a prefix", () => {
    const names = attributionNames({ handle: "alice@example.org", displayName: "Alice Wong" });
    expect(isAttributedTo("alice at example.org wrote:", names)).toBe(true);
    expect(isAttributedTo("On Monday, Alice Wong wrote:", names)).toBe(true);
    expect(isAttributedTo("alicewonder wrote:", names)).toBe(false);
    expect(isAttributedTo("Bob wrote:", names)).toBe(false);
    const stackExchange = attributionNames({ handle: "Alice Wong", displayName: "Alice Wong" });
    expect(isAttributedTo("As @AliceWong said:", stackExchange)).toBe(true);
  });
});

describe("an opted-out member's words quoted by others", () => {
  test("are blanked in the quoting posts everywhere, codings keep their place, and come back on consent", async () => {
    const { store, slug, owner } = await projectWith("discourse-quotes.json");
    const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Fixes" }] });
    const bob = (await visiblePostsOf(store, slug)).find((post) =>
      post.text.startsWith("alice_w:"),
    )!;
    const quoteAt = bob.text.indexOf("the firmware");
    const fixAt = bob.text.indexOf("I rolled back");
    // One coding on Bob's own words, one on the words he quotes from Alice.
    for (const [start, end] of [
      [fixAt, fixAt + 13],
      [quoteAt, quoteAt + 12],
    ])
      await applyCode({
        store,
        slug,
        coderId: owner.id,
        codeIds: [code.id],
        span: { sourceType: "post", sourceId: bob.id, start, end },
      });
    expect((await searchProject({ store, slug, query: "bricked" })).total).toBe(2);

    const alice = await resolveMemberByHandle({ store, slug, handle: "alice_w" });
    await recordConsent({ store, slug, memberId: alice.id, status: "opted-out", userId: owner.id });

    const posts = await visiblePostsOf(store, slug);
    expect(posts.map((post) => post.text).join("\n")).not.toMatch(ALICE_WORDS);
    // Attributed (Bob's aside) and unattributed (Carol's blockquote, matched by Alice's own words).
    expect(posts.filter((post) => post.text.includes("[quote withheld]"))).toHaveLength(2);
    // The attribution line no longer says who opted out.
    expect(posts.map((post) => post.text).join("\n")).not.toMatch(/alice_w/);
    expect(posts.find((post) => post.id === bob.id)!.text).toMatch(
      /^someone:\n\n\[quote withheld\]/,
    );
    // Dave quotes Bob, who did not opt out: untouched.
    expect(posts.find((post) => post.text.startsWith("bob_k:"))!.text).toContain(
      "I rolled back to version 2.1",
    );
    const blankedBob = posts.find((post) => post.id === bob.id)!;
    expect(codePointLength(blankedBob.text)).toBe(codePointLength(bob.text));
    expect(blankedBob.html).toBeNull();
    expect((await searchProject({ store, slug, query: "bricked" })).total).toBe(0);
    const quotes = (await listCodings({ store, slug })).map((coding) => coding.quote).sort();
    expect(quotes).toEqual(["I rolled back", "[quote withh"].sort());

    await recordConsent({ store, slug, memberId: alice.id, status: "consented", userId: owner.id });
    const restored = await visiblePostsOf(store, slug);
    expect(restored.find((post) => post.id === bob.id)!.text).toBe(bob.text);
    expect(restored.find((post) => post.id === bob.id)!.html).toBe(bob.html);
    expect((await listCodings({ store, slug })).map((coding) => coding.quote).sort()).toEqual(
      ["I rolled back", "the firmware"].sort(),
    );
    expect((await searchProject({ store, slug, query: "bricked" })).total).toBe(2);
    const { db } = await sqlFor(store);
    expect(await db.selectFrom("withheld_quotes").selectAll().execute()).toEqual([]);
  });

  test("a later import's posts quoting them are blanked as they arrive", async () => {
    const { store, slug, owner } = await projectWith("discourse-quotes.json");
    const alice = await resolveMemberByHandle({ store, slug, handle: "alice_w" });
    await recordConsent({ store, slug, memberId: alice.id, status: "opted-out", userId: owner.id });
    await importFiles({ store, slug, files: [path.join(FIXTURES, "discourse-quotes-later.json")] });
    const erin = (await visiblePostsOf(store, slug)).find((post) =>
      post.text.startsWith("Before you update"),
    )!;
    expect(erin.text).toContain("[quote withheld]");
    expect(erin.text).toContain("Back up your settings first.");
    expect(erin.text).not.toMatch(ALICE_WORDS);
    expect((await searchProject({ store, slug, query: "bricked" })).total).toBe(0);
  });

  test("mailing-list quotes: '>' blocks named by address or name, a quote inside a quote", async () => {
    const { store, slug, owner } = await projectWith("mailing-list-quotes.mbox");
    const alice = await resolveMemberByHandle({ store, slug, handle: "alice@example.org" });
    await recordConsent({ store, slug, memberId: alice.id, status: "opted-out", userId: owner.id });
    const posts = await visiblePostsOf(store, slug);
    expect(posts).toHaveLength(2);
    expect(posts.map((post) => post.text).join("\n")).not.toMatch(ALICE_WORDS);
    const carol = posts.find((post) => post.text.startsWith("Bob Kane wrote:"))!;
    expect(posts.map((post) => post.text).join("\n")).not.toMatch(/alice/i);
    expect(posts.find((post) => post.text.startsWith("On Mon"))!.text).toMatch(
      /^On Mon, 6 Jan 2025 09:00, someone {4}<someone {10}> wrote:\n> \[quote withheld\]/,
    );
    // Bob's words quoted by Carol stay; Alice's, quoted inside them, go.
    expect(carol.text).toContain("> Sealant will not hold at motorway speed.");
    expect(carol.text).toContain("Magnetic mounts scratch the paint");
  });

  test("erasure takes their quoted words out for good, the kept originals included", async () => {
    const { store, slug, owner } = await projectWith(
      "discourse-quotes.json",
      "mailing-list-quotes.mbox",
    );
    const alice = await resolveMemberByHandle({ store, slug, handle: "alice_w" });
    await recordConsent({ store, slug, memberId: alice.id, status: "opted-out", userId: owner.id });
    expect(await storedTexts(store)).toMatch(/firmware update bricked/);
    await purgeMember({ store, slug, memberId: alice.id, userId: owner.id });
    expect(await storedTexts(store)).not.toMatch(/firmware update bricked|inverter hums/);
    // The mailing list's Alice is another member record (another platform): still there.
    expect(await storedTexts(store)).toMatch(/glue the panels/);
    const emailAlice = await resolveMemberByHandle({ store, slug, handle: "alice@example.org" });
    await purgeMember({ store, slug, memberId: emailAlice.id, userId: owner.id });
    expect(await storedTexts(store)).not.toMatch(ALICE_WORDS);
    const { db } = await sqlFor(store);
    expect(await db.selectFrom("withheld_quotes").selectAll().execute()).toEqual([]);
  });
});
