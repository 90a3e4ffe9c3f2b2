import { copyFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { importFiles } from "../../research/collection/index.js";
import { expect, test } from "./fixtures";
import { ADMIN, e2eStore, ensureProject, loginAs } from "./helpers";

test("a researcher uploads a Reddit thread and a Discourse topic, browses a thread, searches, and writes a field note linked to a post", async ({
  page,
}) => {
  await loginAs(page, ADMIN);
  const slug = await ensureProject("upload-study", ADMIN.email);
  await page.goto(`/projects/${slug}/collection`);
  await page
    .getByLabel("Files")
    .setInputFiles([
      path.resolve("tests/fixtures/reddit-thread.json"),
      path.resolve("../shared/data/discourse-ublock/discourse_topic_1148.json"),
    ]);
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page).toHaveURL(/\/collection\/jobs\//);
  await expect(page.getByRole("status").filter({ hasText: "Import finished." })).toBeVisible({
    timeout: 30_000,
  });
  const report = page.getByRole("table", { name: "Import report" });
  await expect(report.getByRole("row", { name: /New posts/ })).toContainText("26");
  await expect(report.getByRole("row", { name: /New threads/ })).toContainText("2");
  await expect(report.getByRole("row", { name: /Not collected upstream/ })).toContainText("7");
  await page.screenshot({ path: "test-results/screens/import-report.png", fullPage: true });

  // A bad file fails with a clear message and changes nothing.
  await page.goto(`/projects/${slug}/collection`);
  await page
    .getByLabel("Files")
    .setInputFiles({
      name: "broken.ndjson",
      mimeType: "application/x-ndjson",
      buffer: Buffer.from(
        '{"id":"x","subreddit":"a","author":"b","body":"c","created_utc":1,"link_id":"t3_q"}\n{"id":"y","subreddit"',
      ),
    });
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByRole("alert")).toContainText("broken.ndjson, line 2", { timeout: 30_000 });
  await expect(page.getByRole("alert")).toContainText("nothing in the project was changed");

  await page.getByRole("link", { name: "Threads" }).click();
  await expect(page.getByText("2 threads")).toBeVisible();
  await page.getByLabel("Keyword").fill("charge controller");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByText("1 thread", { exact: true })).toBeVisible();
  await page.getByRole("link", { name: "Solar setup keeps dying & I'm stuck" }).click();
  const posts = page.getByRole("list", { name: "Posts" });
  await expect(posts.getByRole("article")).toHaveCount(6);
  // Replies nest under their parent.
  await expect(page.getByRole("list", { name: /Replies to/ }).first()).toBeVisible();
  await page.screenshot({ path: "test-results/screens/thread.png", fullPage: true });

  await page.getByRole("link", { name: "Search" }).click();
  await page.getByLabel("Search", { exact: true }).fill("shunt");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("status")).toContainText("1 post (");
  await page.getByRole("list", { name: "Search results" }).getByRole("link").first().click();
  await expect(page).toHaveURL(/\/collection\/threads\//);

  const wendyPost = page.getByRole("article").filter({ hasText: "battery monitor (shunt)" });
  await wendyPost.getByRole("link", { name: "Note about this post" }).click();
  await expect(page).toHaveURL(/\/collection\/notes\?about=post:/);
  await page.getByLabel("Kind of note").selectOption("observational");
  await page.getByLabel("Note title").fill("Shunts as expertise");
  await page
    .getByLabel("Note (Markdown)")
    .fill("Members point to **measurement** before buying parts. <script>alert(1)</script>");
  await page.getByRole("button", { name: "Save field note" }).click();
  await expect(page.getByText("Field note saved.")).toBeVisible();
  const note = page.getByRole("article", { name: "Shunts as expertise" });
  await expect(note.locator("strong")).toHaveText("measurement");
  await expect(note.locator("script")).toHaveCount(0);
  await note.getByRole("link", { name: /post in/ }).click();
  await expect(page.getByRole("complementary")).toContainText("Shunts as expertise");

  await page.getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("row", { name: /gorhill/ })).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "[deleted]" })).toHaveCount(0);

  await page.goto(`/projects/${slug}`);
  await expect(page.getByTestId("status-collection")).toHaveText("Done");
});

test("the Imports table fits its card at 1366×768, long file names and all, with every Remove… link in view", async ({
  page,
}) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await loginAs(page, ADMIN);
  await ensureProject("wide-imports", ADMIN.email);
  // Exports keep the long names their tools give them, often without a hyphen to break at.
  // The test's own output folder: Playwright empties it before each run.
  const dir = test.info().outputPath("long-names");
  mkdirSync(dir, { recursive: true });
  const named = (fixture: string, name: string) => {
    copyFileSync(path.resolve("tests/fixtures", fixture), path.join(dir, name));
    return path.join(dir, name);
  };
  const store = e2eStore();
  await importFiles({
    store,
    slug: "wide-imports",
    files: [
      named("mastodon-statuses.json", "mastodon_statuses_vanlife_hashtag_timeline_export.json"),
    ],
  });
  await importFiles({
    store,
    slug: "wide-imports",
    files: [
      named("twitter-v2.json", "twitter_v2_recent_search_vanlife_conversations.json"),
      named("hn-items.ndjson", "hackernews_items_solar_power_threads_2024.ndjson"),
    ],
  });
  await page.goto("/projects/wide-imports/collection");
  const table = page.locator("section[aria-labelledby=imports-heading] table");
  const { client, scroll } = await table.evaluate((element) => ({
    client: element.clientWidth,
    scroll: element.scrollWidth,
  }));
  expect(scroll, "the table scrolls inside its card").toBeLessThanOrEqual(client);
  const edge = (await table.boundingBox())!;
  const links = await table.getByRole("link", { name: /^Remove the import of/ }).all();
  expect(links).toHaveLength(2);
  for (const link of links) {
    const box = (await link.boundingBox())!;
    expect(box.x + box.width, "Remove… lies inside the table's visible width").toBeLessThanOrEqual(
      edge.x + edge.width,
    );
  }
});
