import path from "node:path";
import { expect, test } from "./fixtures";
import { ADMIN, ensureProject, loginAs } from "./helpers";

test("an opted-out member's words quoted in others' posts are withheld in the thread, and come back with their consent", async ({
  page,
}) => {
  await loginAs(page, ADMIN);
  const slug = await ensureProject("quoted-words", ADMIN.email);
  await page.goto(`/projects/${slug}/collection`);
  await page
    .getByLabel("Files")
    .setInputFiles([path.resolve("tests/fixtures/discourse-quotes.json")]);
  await page.getByRole("button", { name: "Import" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Import finished." })).toBeVisible({
    timeout: 30_000,
  });

  const recordConsent = async (status: string) => {
    await page.goto(`/projects/${slug}/entree`);
    await page.getByLabel("Find a member", { exact: true }).fill("alice_w");
    await page.getByRole("button", { name: "Find" }).click();
    await page.getByLabel("Consent of alice_w", { exact: true }).selectOption(status);
    await page.getByRole("button", { name: "Record consent of alice_w" }).click();
  };
  await recordConsent("opted-out");
  await expect(page.getByText(/Opt-out recorded/)).toBeVisible();

  await page.goto(`/projects/${slug}/collection/threads`);
  await page.getByRole("link", { name: "Inverter hum after firmware update" }).click();
  const posts = page.locator("main");
  // Bob's aside and Carol's unattributed blockquote quoted Alice; Dave quoted Bob, who stays.
  await expect(posts.getByText("[quote withheld]")).toHaveCount(2);
  await expect(posts.getByText(/bricked the charge controller|inverter hums/)).toHaveCount(0);
  await expect(posts.getByText(/alice_w/)).toHaveCount(0);
  await expect(posts.getByText("Try a ferrite ring on the cable.")).toBeVisible();
  await expect(posts.getByText(/bob_k:\s+I rolled back to version 2\.1/)).toBeVisible();
  await page.screenshot({ path: "test-results/screens/quoted-words-withheld.png", fullPage: true });

  await recordConsent("consented");
  await expect(page.getByText("Consent recorded.")).toBeVisible();
  await page.goto(`/projects/${slug}/collection/search?q=bricked`);
  await expect(page.getByRole("status")).toHaveText(/^2 posts/);
});
