import path from "node:path";
import { expect, test, type Locator, type Page } from "./fixtures";
import { importFiles } from "../../research/collection/index.js";
import { createCodes } from "../../research/coding/index.js";
import { findUserByEmail } from "../../research/accounts/index.js";
import { addKeyword } from "../../research/objectives/index.js";
import { ADMIN, e2eStore, ensureProject, loginAs } from "./helpers";

/** Drags the mouse across `phrase` inside `container`, as a person selecting text does. */
async function dragSelect(page: Page, container: Locator, phrase: string) {
  await container.scrollIntoViewIfNeeded();
  const box = await container.evaluate((element, wanted) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let text = "";
    const nodes: Array<{ node: Text; start: number }> = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      nodes.push({ node: node as Text, start: text.length });
      text += node.textContent ?? "";
    }
    const at = text.indexOf(wanted);
    const locate = (offset: number) => {
      const found = [...nodes].reverse().find((entry) => entry.start <= offset)!;
      return { node: found.node, offset: offset - found.start };
    };
    const range = document.createRange();
    const from = locate(at);
    const to = locate(at + wanted.length);
    range.setStart(from.node, from.offset);
    range.setEnd(to.node, to.offset);
    const rects = [...range.getClientRects()].filter((rect) => rect.width > 0);
    const first = rects[0];
    const last = rects[rects.length - 1];
    return { x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2 };
  }, phrase);
  await page.mouse.move(box.x1, box.y1);
  await page.mouse.down();
  await page.mouse.move(box.x2, box.y2, { steps: 8 });
  await page.mouse.up();
}

test("a researcher selects text with the mouse, applies a code, accepts a suggestion, merges two codes and reads the retrieval view", async ({ page }) => {
  await loginAs(page, ADMIN);
  const slug = await ensureProject("coding-study", ADMIN.email);
  const store = e2eStore();
  await importFiles({ store, slug, files: [path.resolve("tests/fixtures/reddit-thread.json")] });
  const admin = await findUserByEmail({ store, email: ADMIN.email });
  await addKeyword({ store, slug, userId: admin!.id, term: "battery", synonyms: ["batteries"] });
  await createCodes({ store, slug, userId: admin!.id, codes: [{ name: "Troubleshooting" }, { name: "Diagnosis" }, { name: "Power system", definition: "Talk about the battery and the charge controller" }] });

  await page.goto(`/projects/${slug}/coding/threads`);
  await page.getByRole("link", { name: "Solar setup keeps dying & I'm stuck" }).click();
  const wendy = page.getByRole("article", { name: /Post by/ }).filter({ hasText: "Check the charge controller settings first" });
  await dragSelect(page, wendy.locator(".body"), "charge controller settings");
  const picker = page.getByRole("dialog", { name: "Apply codes" });
  await expect(picker.getByLabel("Passage")).toContainText("Selection: “charge controller settings”");
  await picker.getByLabel("Find a code").fill("troub");
  await picker.getByLabel("Troubleshooting").check();
  await picker.getByRole("button", { name: "Apply codes" }).click();
  await expect(wendy.locator("mark")).toHaveText("charge controller settings");
  await expect(wendy.getByRole("list", { name: /Codes on/ })).toContainText("Troubleshooting “charge controller settings”");

  // Keyboard-only coding: focus "Code…", pick a sentence, tick a code, apply.
  const dusty = page.getByRole("article", { name: /Post by/ }).filter({ hasText: "the charge controller was set to the wrong battery profile" });
  await dusty.getByRole("button", { name: /Code a passage/ }).focus();
  await page.keyboard.press("Enter");
  const keyboardPicker = page.getByRole("dialog", { name: "Apply codes" });
  const sentence = await keyboardPicker.getByRole("option", { name: /Sentence: “Thanks, the charge controller/ }).textContent();
  await keyboardPicker.getByLabel("Passage").selectOption({ label: sentence ?? "" });
  await keyboardPicker.getByLabel("Find a code").fill("diag");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  await page.keyboard.press("Enter");
  await expect(dusty.locator("mark")).toHaveText("Thanks, the charge controller was set to the wrong battery profile!");
  // Focus is back on the text; number keys tick recent codes (2: Troubleshooting, applied before Diagnosis).
  await expect(dusty.locator(".body")).toBeFocused();
  await dusty.getByRole("button", { name: /Code a passage/ }).click();
  const again = page.getByRole("dialog", { name: "Apply codes" });
  await expect(again.getByText("Keys 1–2 tick your recent codes.")).toBeVisible();
  await page.keyboard.press("2");
  await expect(again.getByLabel("Troubleshooting")).toBeChecked();
  await expect(again.getByLabel("Diagnosis")).not.toBeChecked();
  await again.getByRole("button", { name: "Apply codes" }).click();
  const dustyCodes = dusty.getByRole("list", { name: /Codes on/ });
  await expect(dustyCodes).toContainText("Troubleshooting");
  await dusty.getByRole("button", { name: /Remove code Troubleshooting/ }).click();
  await expect(dustyCodes).not.toContainText("Troubleshooting");
  await page.screenshot({ path: "test-results/screens/coding.png", fullPage: true });

  // A suggestion: the keyword rule from "Power system"'s definition finds a battery passage.
  // They are computed by a background job, never inside the page's request.
  await page.getByRole("link", { name: "Suggestions" }).click();
  await page.getByRole("button", { name: "Compute suggestions" }).click();
  await expect(page.getByRole("button", { name: "Compute suggestions again" })).toBeVisible({ timeout: 45_000 });
  const row = page.getByRole("row").filter({ hasText: "Power system" }).filter({ hasText: "battery monitor (shunt)" }).first();
  await expect(row).toContainText(/Mentions "battery"/);
  await row.getByRole("button", { name: /Accept Power system/ }).click();
  await expect(page.getByText("1 suggestion accepted and coded.")).toBeVisible();
  await expect(page.getByRole("row").filter({ hasText: "Power system" }).filter({ hasText: "100%" })).toBeVisible();
  // Coverage and precision per code: the accepted suggestion is now a coded passage of the code.
  const perCode = page.getByRole("table", { name: "Coverage and precision per code" });
  await expect(perCode.getByRole("row").filter({ hasText: "Power system" })).toContainText("100%");
  await perCode.screenshot({ path: "test-results/screens/suggestions-per-code.png" });

  // Merge Diagnosis into Troubleshooting, with a reason kept in the history.
  await page.getByRole("link", { name: "Codebook" }).click();
  const merge = page.getByRole("region", { name: "Merge codes" });
  await merge.getByLabel("Diagnosis").check();
  await merge.getByLabel("Into").selectOption({ label: "Troubleshooting" });
  await merge.getByLabel("Why").fill("Diagnosis is a kind of troubleshooting here");
  await merge.getByRole("button", { name: "Merge" }).click();
  await expect(page.getByText("Codes merged; 1 coded segment moved.")).toBeVisible();
  await expect(page.getByRole("region", { name: "Code history" })).toContainText('Merged "Diagnosis" into "Troubleshooting" — Diagnosis is a kind of troubleshooting here');

  await page.getByRole("region", { name: "Codebook" }).getByRole("link", { name: "Troubleshooting" }).click();
  await expect(page.getByRole("heading", { name: /Troubleshooting: 2 segments/ })).toBeVisible();
  const segments = page.getByRole("list", { name: "Coded segments" });
  await expect(segments).toContainText("charge controller settings");
  await expect(segments).toContainText("Thanks, the charge controller was set to the wrong battery profile!");
  await page.getByLabel("Co-occurring with").selectOption({ label: "Power system" });
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByRole("heading", { name: /Troubleshooting: 0 segments/ })).toBeVisible();
});
