import path from "node:path";
import { expect, test } from "./fixtures";
import { ADMIN, ensureProject, loginAs } from "./helpers";

test("a researcher uploads a Reddit thread and a Discourse topic, browses a thread, searches, and writes a field note linked to a post", async ({ page }) => {
  await loginAs(page, ADMIN);
  const slug = await ensureProject("upload-study", ADMIN.email);
  await page.goto(`/projects/${slug}/collection`);
  await page.getByLabel("Files").setInputFiles([path.resolve("tests/fixtures/reddit-thread.json"), path.resolve("../shared/data/discourse-ublock/discourse_topic_1148.json")]);
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page).toHaveURL(/\/collection\/jobs\//);
  await expect(page.getByRole("status").filter({ hasText: "Import finished." })).toBeVisible({ timeout: 30_000 });
  const report = page.getByRole("table", { name: "Import report" });
  await expect(report.getByRole("row", { name: /New posts/ })).toContainText("26");
  await expect(report.getByRole("row", { name: /New threads/ })).toContainText("2");
  await expect(report.getByRole("row", { name: /Not collected upstream/ })).toContainText("7");
  await page.screenshot({ path: "test-results/screens/import-report.png", fullPage: true });

  // A bad file fails with a clear message and changes nothing.
  await page.goto(`/projects/${slug}/collection`);
  await page.getByLabel("Files").setInputFiles({ name: "broken.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from('{"id":"x","subreddit":"a","author":"b","body":"c","created_utc":1,"link_id":"t3_q"}\n{"id":"y","subreddit"') });
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
  await page.getByLabel("Note (Markdown)").fill("Members point to **measurement** before buying parts. <script>alert(1)</script>");
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
