import { expect, type Page } from "@playwright/test";
import { createAccount, findUserByEmail } from "../../research/accounts/index.js";
import { addProjectMember, createProject, getProject, type ProjectRole } from "../../research/projects/index.js";
import { getStore } from "../../research/store/index.js";

export const ADMIN = { name: "Ada Admin", email: "ada@example.org", password: "field-notes-2026" };

/** The same data directory the web server uses (set by playwright.config.ts). */
export function e2eStore() {
  const dir = process.env.E2E_DATA_DIR;
  if (!dir) throw new Error("E2E_DATA_DIR is not set; run the tests through playwright.config.ts");
  return getStore(dir);
}

/** Logs in through the form, creating the first admin account when the workbench has none yet. */
export async function loginAs(page: Page, account: { name?: string; email: string; password: string } = ADMIN) {
  await page.goto("/login");
  if (page.url().endsWith("/setup")) {
    await page.getByLabel("Your name").fill(account.name ?? "Admin");
    await page.getByLabel("Email").fill(account.email);
    await page.getByLabel("Password").fill(account.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
  } else if (page.url().includes("/login")) {
    await page.getByLabel("Email").fill(account.email);
    await page.getByLabel("Password").fill(account.password);
    await page.getByRole("button", { name: "Log in" }).click();
  }
  await expect(page).toHaveURL(/\/projects/);
}

/** An account made directly in the store (as an admin would), returned with its password. */
export async function ensureAccount(email: string, name: string) {
  const store = e2eStore();
  const password = "a-long-test-password";
  const existing = await findUserByEmail({ store, email });
  if (!existing) await createAccount({ store, email, name, password });
  return { email, name, password };
}

/** A project owned by `ownerEmail`, with optional extra members, made directly in the store. */
export async function ensureProject(slug: string, ownerEmail: string, members: Array<{ email: string; role: ProjectRole }> = []) {
  const store = e2eStore();
  const owner = await findUserByEmail({ store, email: ownerEmail });
  if (!owner) throw new Error(`No account ${ownerEmail}`);
  if (!(await getProject({ store, slug }))) await createProject({ store, slug, title: `Project ${slug}`, ownerId: owner.id });
  for (const member of members) await addProjectMember({ store, slug, email: member.email, role: member.role, addedBy: owner.id });
  return slug;
}
