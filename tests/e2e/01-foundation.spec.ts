import { expect, test } from "./fixtures";
import { ADMIN } from "./helpers";

test("the first visitor creates the admin account, a project, sees the six phases, opens one, logs out and is refused", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Welcome to Netnography Workbench" })).toBeVisible();

  // A too-short password is refused with a message next to the field.
  await page.getByLabel("Your name").fill(ADMIN.name);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page.getByText("Use at least 10 characters for the password.")).toBeVisible();

  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create admin account" }).click();
  await expect(page).toHaveURL(/\/projects$/);

  await page.getByLabel("Title").fill("Van life repair culture");
  await page.getByLabel("Slug").fill("vanlife");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(/\/projects\/vanlife$/);

  const phases = page.getByRole("list", { name: "Phases of the study" }).getByRole("listitem");
  await expect(phases).toHaveCount(6);
  for (const title of ["Objectives", "Community discovery", "Ethical entrée", "Data collection", "Hermeneutic coding", "Reporting"]) {
    await expect(page.getByRole("heading", { name: title, level: 3 })).toBeVisible();
  }
  await expect(page.getByTestId("status-objectives")).toHaveText("Not started");
  await page.screenshot({ path: "test-results/screens/project-home.png", fullPage: true });

  await page.getByRole("heading", { name: "Objectives", level: 3 }).getByRole("link").click();
  await expect(page).toHaveURL(/\/projects\/vanlife\/objectives$/);
  await expect(page.getByRole("heading", { name: "Objectives", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  await page.goto("/projects/vanlife/objectives");
  await expect(page).toHaveURL(/\/login\?redirectTo=/);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();

  // The setup page is closed once an admin exists.
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/login$/);
});
