import path from "node:path";
import { expect, test } from "./fixtures";
import { importFiles } from "../../research/collection/index.js";
import { ADMIN, e2eStore, ensureProject, loginAs } from "./helpers";

const FIXTURES = path.resolve("tests/fixtures");
const SHARED = path.resolve("../shared/data");

test("a researcher fills objectives, compares two candidates, selects one, writes the ethics plan and records an opt-out", async ({ page }) => {
  await loginAs(page, ADMIN);
  const slug = await ensureProject("repair-study", ADMIN.email);
  const store = e2eStore();
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  await importFiles({ store, slug, files: [path.join(SHARED, "discourse-ublock/discourse_topic_1148.json")], community: "uBlock forum" });

  // Phase 1: objectives
  await page.goto(`/projects/${slug}/objectives`);
  await page.getByLabel("Research question", { exact: true }).fill("How do van dwellers help each other repair their power systems?");
  await page.getByLabel("Rationale", { exact: true }).fill("Repair talk shows expertise and care.");
  await page.getByRole("button", { name: "Add question" }).click();
  // The entry as listed (its folded edit form holds the same words).
  await expect(page.locator("li > strong", { hasText: "How do van dwellers help each other repair their power systems?" })).toBeVisible();
  await page.getByLabel("Keyword", { exact: true }).fill("solar");
  await page.getByLabel("Synonyms", { exact: true }).fill("battery, charge controller");
  await page.getByRole("button", { name: "Add keyword" }).click();
  await expect(page.getByText("battery, charge controller")).toBeVisible();
  await page.getByLabel("Concept", { exact: true }).fill("Gift economy");
  await page.getByRole("button", { name: "Add concept" }).click();
  await page.getByRole("button", { name: "Turn concepts into draft codes" }).click();
  await expect(page.getByText("1 draft code added to the codebook.")).toBeVisible();

  // Phase 2: two candidates, with their sample data, compared on computed figures
  await page.goto(`/projects/${slug}/discovery`);
  await page.getByLabel("Community name", { exact: true }).fill("r/VanLife");
  await page.getByLabel("Platform", { exact: true }).fill("reddit");
  await page.getByLabel("URL", { exact: true }).fill("https://www.reddit.com/r/VanLife/");
  await page.getByRole("button", { name: "Add candidate" }).click();
  await expect(page.getByText("r/VanLife added as a candidate.")).toBeVisible();
  // The form is drawn afresh (empty) once the new candidate is loaded; the status can show a moment
  // before that, and what is typed in between would be cleared.
  await expect(page.getByLabel("Community name", { exact: true })).toHaveValue("");
  await page.getByLabel("Community name", { exact: true }).fill("uBlock support forum");
  await page.getByLabel("Platform", { exact: true }).fill("discourse");
  await page.getByRole("button", { name: "Add candidate" }).click();
  await expect(page.getByText("uBlock support forum added as a candidate.")).toBeVisible();

  const vanlife = page.getByRole("region", { name: "r/VanLife" });
  await vanlife.getByLabel("Sample data", { exact: true }).selectOption({ label: "r/VanLife" });
  await vanlife.getByRole("button", { name: "Save assessment" }).click();
  await expect(page.getByText("Assessment of r/VanLife saved.")).toBeVisible();
  const forum = page.getByRole("region", { name: "uBlock support forum" });
  await forum.getByLabel("Sample data", { exact: true }).selectOption({ label: "uBlock forum" });
  await forum.getByRole("button", { name: "Save assessment" }).click();
  await expect(page.getByText("Assessment of uBlock support forum saved.")).toBeVisible();

  const table = page.getByRole("table", { name: "Candidate comparison" });
  const vanRow = table.getByRole("row").filter({ hasText: "r/VanLife" });
  // 6 posts, 4 of them mention solar, battery or charge controller: computed, not typed in.
  await expect(vanRow.getByRole("cell").nth(1)).toHaveText("67%");
  await expect(vanRow.getByRole("cell").nth(5)).toHaveText("6");
  const forumRow = table.getByRole("row").filter({ hasText: "uBlock support forum" });
  await expect(forumRow.getByRole("cell").nth(5)).toHaveText("20");
  await expect(forumRow.getByRole("cell").nth(6)).toHaveText("10");
  // Sort by posts, descending: the forum first.
  await table.getByRole("link", { name: /^Posts( [▲▼])?$/ }).click();
  await expect(table.getByRole("row").nth(1)).toContainText("uBlock support forum");
  await table.getByRole("link", { name: /^Posts( [▲▼])?$/ }).click();
  await expect(table.getByRole("row").nth(1)).toContainText("r/VanLife");

  await vanlife.getByLabel("Relevant score for r/VanLife", { exact: true }).selectOption("5");
  await vanlife.getByLabel("Relevant comment for r/VanLife", { exact: true }).fill("Core repair talk");
  await vanlife.getByLabel("Decision", { exact: true }).selectOption("selected");
  // A decision without its reason is refused, and what was typed stays in the card.
  await vanlife.getByRole("button", { name: "Save assessment" }).click();
  await expect(vanlife.getByText("Give the reason for this decision: it is part of the method.")).toBeVisible();
  await expect(vanlife.getByLabel("Relevant comment for r/VanLife", { exact: true })).toHaveValue("Core repair talk");
  await expect(forum.getByText("Give the reason for this decision")).toHaveCount(0);
  await vanlife.getByLabel("Reason", { exact: true }).fill("Most relevant, active repair discussions");
  await vanlife.getByRole("button", { name: "Save assessment" }).click();
  await expect(vanlife.getByLabel("Relevant score for r/VanLife", { exact: true })).toHaveValue("5");
  await expect(page.getByRole("row").filter({ hasText: "r/VanLife" }).getByText("selected")).toBeVisible();
  await page.screenshot({ path: "test-results/screens/discovery.png", fullPage: true });

  // Phase 3: ethics plan, then an opt-out
  await page.goto(`/projects/${slug}/entree`);
  await expect(page.getByRole("heading", { name: /The plan still lacks 14 items/ })).toBeVisible();
  await page.getByLabel("Public or private space", { exact: true }).selectOption("public");
  await page.getByLabel("Why the space is public or private", { exact: true }).fill("Readable without an account");
  await page.getByLabel("Consent approach", { exact: true }).selectOption("community-level");
  await page.getByRole("radio", { name: "Maximum" }).check();
  await expect(page.getByText(/No verbatim quotes: every quote is a paraphrase/)).toBeVisible();
  await page.getByRole("button", { name: "Save as new version" }).click();
  await expect(page.getByText("Ethics plan saved as version 1.")).toBeVisible();
  await expect(page.getByText(/Cloaking used for reports and exports: maximum/)).toBeVisible();

  await page.getByLabel("Find a member", { exact: true }).fill("sunny_van");
  await page.getByRole("button", { name: "Find" }).click();
  await page.getByLabel("Consent of sunny_van", { exact: true }).selectOption("opted-out");
  await page.getByLabel("Evidence for sunny_van", { exact: true }).fill("Private message, 2026-11-20");
  await page.getByRole("button", { name: "Record consent of sunny_van" }).click();
  await expect(page.getByText(/Opt-out recorded/)).toBeVisible();

  // The opted-out member's words are gone from the data views.
  await page.goto(`/projects/${slug}/collection/threads`);
  await page.getByRole("link", { name: "Solar setup keeps dying & I'm stuck" }).click();
  await expect(page.getByText("Check the charge controller settings first.")).toBeVisible();
  await expect(page.getByText("Is your inverter on standby overnight?")).toHaveCount(0);
  await page.goto(`/projects/${slug}/collection/search?q=inverter`);
  await expect(page.getByRole("status")).toHaveText(/^0 posts/);
  await page.goto(`/projects/${slug}/collection/members`);
  await expect(page.getByRole("cell", { name: "sunny_van" })).toHaveCount(0);
  await expect(page.getByRole("cell", { name: "wrench_wendy" })).toBeVisible();

  // The home page warns that collection started with an incomplete plan.
  await page.goto(`/projects/${slug}`);
  await expect(page.getByText(/Data collection started while the ethics plan still lacks/)).toBeVisible();
  await expect(page.getByTestId("status-discovery")).toHaveText("Done");
});

test("what is typed into the add-candidate form while a candidate is on its way is kept; what was sent is cleared", async ({ page }) => {
  await loginAs(page, ADMIN);
  const slug = await ensureProject("typing-ahead", ADMIN.email);
  await page.goto(`/projects/${slug}/discovery`);
  // Hold the submission's answer until the next name is typed.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(
    (url) => url.pathname.endsWith("/discovery") || url.pathname.endsWith("/discovery.data"),
    async (route) => {
      if (route.request().method() === "POST") await held;
      await route.continue();
    },
  );
  const name = page.getByLabel("Community name", { exact: true });
  const platform = page.getByLabel("Platform", { exact: true });
  await name.fill("r/vandwellers");
  await platform.fill("reddit");
  await page.getByRole("button", { name: "Add candidate" }).click();
  await name.fill("r/overlanding");
  release();
  await expect(page.getByText("r/vandwellers added as a candidate.")).toBeVisible();
  await expect(platform).toHaveValue("");
  await expect(name).toHaveValue("r/overlanding");
  await platform.fill("reddit");
  await page.getByRole("button", { name: "Add candidate" }).click();
  await expect(page.getByText("r/overlanding added as a candidate.")).toBeVisible();
  await expect(name).toHaveValue("");
});

test("a project memo saved on the coding page is listed, and its field is emptied for the next one", async ({ page }) => {
  await loginAs(page, ADMIN);
  const slug = await ensureProject("memo-typing", ADMIN.email);
  await page.goto(`/projects/${slug}/coding`);
  const memos = page.getByRole("region", { name: "Project memos" });
  const field = memos.getByLabel("Memo (Markdown)");
  await field.fill("Repair talk is **care** talk.");
  await memos.getByRole("button", { name: "Save memo" }).click();
  await expect(memos.locator("strong", { hasText: "care" })).toBeVisible();
  await expect(field).toHaveValue("");
  await field.fill("Second thought.");
  await memos.getByRole("button", { name: "Save memo" }).click();
  await expect(memos.getByText("Second thought.")).toBeVisible();
  await expect(field).toHaveValue("");
});

test("an added keyword empties its form; the same keyword again is refused in that form, with what was typed", async ({ page }) => {
  await loginAs(page, ADMIN);
  const slug = await ensureProject("keyword-forms", ADMIN.email);
  await page.goto(`/projects/${slug}/objectives`);
  const keywords = page.getByRole("region", { name: "Keywords" });
  const term = keywords.getByLabel("Keyword", { exact: true });
  await term.fill("solar");
  await keywords.getByLabel("Synonyms", { exact: true }).fill("sun, panel");
  await keywords.getByRole("button", { name: "Add keyword" }).click();
  await expect(keywords.getByText("sun, panel")).toBeVisible();
  await expect(term).toHaveValue("");
  await term.fill("solar");
  await keywords.getByRole("button", { name: "Add keyword" }).click();
  await expect(keywords.getByText('"solar" is already a keyword.')).toBeVisible();
  await expect(term).toHaveValue("solar");
  await keywords.screenshot({ path: "test-results/screens/keyword-refused.png" });
  // The other add forms show nothing of it.
  await expect(page.getByRole("region", { name: "Research questions" }).locator(".error")).toHaveCount(0);
});
