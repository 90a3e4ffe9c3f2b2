import { expect, test } from "@playwright/test";
import { readdirSync } from "node:fs";
import path from "node:path";
import { ADMIN, ensureAccount, ensureProject, loginAs } from "./helpers";

/** Every page of the app under /projects/:slug, derived from the flat route file names in app/routes. */
function projectRoutePaths(slug: string): string[] {
  const routesDir = path.resolve(__dirname, "../../app/routes");
  return readdirSync(routesDir)
    .filter((file) => file.startsWith("projects.$slug"))
    .map((file) =>
      "/" +
      file
        .replace(/\.tsx?$/, "")
        .split(".")
        .filter((segment) => segment !== "_index" && !segment.startsWith("_"))
        .map((segment) => (segment === "$slug" ? slug : segment.startsWith("$") ? "x" : segment))
        .join("/"),
    );
}

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await loginAs(page, ADMIN);
  await page.close();
});

test("a logged-out visitor is redirected to login from every project route", async ({ request }) => {
  await ensureProject("access-check", ADMIN.email);
  const paths = projectRoutePaths("access-check");
  expect(paths.length).toBeGreaterThanOrEqual(7);
  for (const path of paths) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(302);
    expect(response.headers().location, path).toMatch(/^\/login\?redirectTo=/);
    const post = await request.post(path, { maxRedirects: 0, form: { intent: "rename", title: "hacked" }, headers: { origin: "http://127.0.0.1:3199" } });
    expect([302, 405], `${path} POST`).toContain(post.status());
  }
});

test("a user cannot open another team's project by guessing its URL: 404, as for a missing one", async ({ page }) => {
  const outsider = await ensureAccount("outsider@example.org", "Olga Outsider");
  await ensureProject("secret-study", ADMIN.email);
  await loginAs(page, outsider);
  for (const path of projectRoutePaths("secret-study")) {
    const response = await page.request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(404);
  }
  const missing = await page.request.get("/projects/does-not-exist", { maxRedirects: 0 });
  expect(missing.status()).toBe(404);
  const body = await (await page.request.get("/projects/secret-study")).text();
  expect(body).not.toContain("Project secret-study");
});

test("a strategist cannot reach data or coding pages and cannot change the project", async ({ page }) => {
  const strategist = await ensureAccount("sam.strategist@example.org", "Sam Strategist");
  await ensureProject("brand-study", ADMIN.email, [{ email: strategist.email, role: "strategist" }]);
  await loginAs(page, strategist);
  await page.goto("/projects/brand-study");
  await expect(page.getByRole("link", { name: "Reporting" }).first()).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Hermeneutic coding" })).toHaveCount(0);
  for (const phase of ["objectives", "discovery", "entree", "collection", "coding", "settings"]) {
    const response = await page.request.get(`/projects/brand-study/${phase}`, { maxRedirects: 0 });
    expect(response.status(), phase).toBe(403);
  }
  const coding = await page.request.post("/projects/brand-study/coding", { form: { intent: "create-code", name: "x" }, headers: { origin: "http://127.0.0.1:3199" }, maxRedirects: 0 });
  expect(coding.status()).toBe(403);
});

test("a mutation from another site is refused", async ({ page }) => {
  await loginAs(page, ADMIN);
  await ensureProject("origin-check", ADMIN.email);
  const response = await page.request.post("/projects/origin-check/settings", {
    form: { intent: "rename", title: "Renamed from evil" },
    headers: { origin: "http://evil.example" },
    maxRedirects: 0,
  });
  expect(response.status()).toBeGreaterThanOrEqual(400);
  await page.goto("/projects/origin-check");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Project origin-check");
});
