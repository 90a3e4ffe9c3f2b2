import path from "node:path";
import { expect, test } from "./fixtures";
import { importFiles } from "../../research/collection/index.js";
import { findUserByEmail } from "../../research/accounts/index.js";
import { createCodes } from "../../research/coding/index.js";
import { ADMIN, e2eStore, ensureProject, loginAs } from "./helpers";

test.use({ javaScriptEnabled: false });

test("without JavaScript a researcher logs in, writes a research question, codes a whole post and records consent", async ({ page }) => {
  await loginAs(page, ADMIN);
  const slug = await ensureProject("plain-forms", ADMIN.email);
  const store = e2eStore();
  await importFiles({ store, slug, files: [path.resolve("tests/fixtures/telegram-result.json")] });
  const admin = await findUserByEmail({ store, email: ADMIN.email });
  await createCodes({ store, slug, userId: admin!.id, codes: [{ name: "Insulation" }] });

  await page.goto(`/projects/${slug}/objectives`);
  await page.getByLabel("Research question", { exact: true }).fill("What do builders trust?");
  await page.getByRole("button", { name: "Add question" }).click();
  // The entry as listed (its folded edit form holds the same words).
  await expect(page.locator("li > strong", { hasText: "What do builders trust?" })).toBeVisible();

  await page.goto(`/projects/${slug}/coding/threads`);
  await page.getByRole("link", { name: "Van Builders" }).click();
  const post = page.getByRole("article").filter({ hasText: "insulation question" });
  await post.getByLabel(/Code for all of/).selectOption({ label: "Insulation" });
  await post.getByRole("button", { name: "Code whole text" }).click();
  await expect(page.getByRole("article").filter({ hasText: "insulation question" }).locator("mark")).toHaveText("Hi all, insulation question: wool or foam?");

  // A refused code edit comes back in that code's form with what was typed, unticked boxes unticked.
  await page.goto(`/projects/${slug}/coding`);
  await page.getByLabel("Code name", { exact: true }).fill("Warmth");
  await page.getByRole("button", { name: "Create code" }).click();
  await page.getByText("Edit “Warmth”").click();
  const warmth = page.locator("details", { hasText: "Edit “Warmth”" }).first();
  await warmth.getByLabel("Name", { exact: true }).fill("Insulation");
  await warmth.getByLabel("Definition", { exact: true }).fill("feeling warm in the van");
  await warmth.getByLabel("Draft", { exact: true }).check();
  await warmth.getByRole("button", { name: "Save code" }).click();
  const refused = page.locator("details[open]", { hasText: "Edit “Warmth”" });
  await expect(refused.getByText(/already/)).toBeVisible();
  await expect(refused.getByLabel("Definition", { exact: true })).toHaveValue("feeling warm in the van");
  await expect(refused.getByLabel("Draft", { exact: true })).toBeChecked();
  await expect(page.getByRole("region", { name: "New code" }).getByText(/already/)).toHaveCount(0);
  await page.screenshot({ path: "test-results/screens/codebook-refused-edit-no-js.png", fullPage: true });

  // A theme refused on the server (no code ticked) keeps its name and statement.
  await page.goto(`/projects/${slug}/reporting`);
  await page.getByLabel("Theme name", { exact: true }).fill("Warm and dry");
  await page.getByLabel("Statement of the insight", { exact: true }).fill("Builders trust wool because it breathes.");
  await page.getByRole("button", { name: "Create theme" }).click();
  await expect(page.getByText("A theme groups at least one code.")).toBeVisible();
  await expect(page.getByLabel("Theme name", { exact: true })).toHaveValue("Warm and dry");
  await expect(page.getByLabel("Statement of the insight", { exact: true })).toHaveValue("Builders trust wool because it breathes.");

  // Passages to cite are found without JavaScript too: the find sends the whole form back, and a passage
  // ticked before another find stays cited.
  const finder = page.getByRole("group", { name: "Find passages to cite" });
  await finder.getByLabel("Words in the passage").fill("WOOL foam");
  await finder.getByRole("button", { name: "Find passages" }).click();
  await expect(finder.getByRole("status")).toHaveText("Every matching passage is listed (1).");
  await expect(page.getByLabel("Theme name", { exact: true })).toHaveValue("Warm and dry");
  await page.getByRole("group", { name: "Supporting evidence" }).getByLabel(/wool or foam/).check();
  await finder.getByLabel("Words in the passage").fill("nothing says this");
  await finder.getByRole("button", { name: "Find passages" }).click();
  await expect(finder.getByRole("status")).toHaveText("No coded passage matches.");
  await expect(page.getByText("Also cited: 1 passage not listed here.")).toBeVisible();
  await page.getByRole("group", { name: "Codes in this theme" }).getByLabel("Insulation", { exact: true }).check();
  await page.getByRole("button", { name: "Create theme" }).click();
  await expect(page.getByText('Theme "Warm and dry" created.')).toBeVisible();
  await expect(page.getByRole("article", { name: "Warm and dry" }).locator("blockquote")).toContainText("wool or foam");

  // A removal asks first, without JavaScript too.
  await page.goto(`/projects/${slug}/objectives`);
  await page.getByText("Remove", { exact: true }).first().click();
  await page.getByRole("button", { name: "Yes, remove" }).click();
  await expect(page.locator("li > strong", { hasText: "What do builders trust?" })).toHaveCount(0);

  await page.goto(`/projects/${slug}/entree`);
  await page.getByLabel("Consent of Lena", { exact: true }).selectOption("paraphrase-only");
  await page.getByRole("button", { name: "Record consent of Lena" }).click();
  await expect(page.getByText("Consent recorded.")).toBeVisible();
});
