import { expect, test } from "./fixtures";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { ADMIN, ensureAccount, ensureProject, loginAs } from "./helpers";

/** Every page of the app under /projects/:slug, derived from the flat route file names in app/routes. */
function projectRoutePaths(slug: string): string[] {
  return projectRoutes(slug).map((route) => route.url);
}

/** Each project route with whether its module takes form posts (an exported action). */
function projectRoutes(slug: string): Array<{ url: string; hasAction: boolean }> {
  const routesDir = path.resolve("app/routes");
  return readdirSync(routesDir)
    .filter((file) => file.startsWith("projects.$slug"))
    .map((file) => {
      const segments = file.replace(/\.tsx?$/, "").split(".");
      const url = "/" + segments
        .filter((segment) => segment !== "_index" && !segment.startsWith("_"))
        .map((segment) => (segment === "$slug" ? slug : segment.startsWith("$") ? "x" : segment))
        .join("/");
      // Index routes take their form posts at ?index (the parent layout has no action).
      const hasAction = /export (async )?function action/.test(readFileSync(path.join(routesDir, file), "utf8"));
      return { url: segments.at(-1) === "_index" ? `${url}?index` : url, hasAction };
    });
}

test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await loginAs(page, ADMIN);
  await page.close();
});

test("a logged-out visitor is redirected to login from every project route", async ({ request }) => {
  await ensureProject("access-check", ADMIN.email);
  const routes = projectRoutes("access-check");
  expect(routes.length).toBeGreaterThanOrEqual(7);
  for (const { url: path, hasAction } of routes) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(302);
    expect(response.headers().location, path).toMatch(/^\/login\?redirectTo=/);
    const post = await request.post(path, { maxRedirects: 0, form: { intent: "rename", title: "hacked" }, headers: { origin: "http://127.0.0.1:3199" } });
    if (!hasAction) {
      expect(post.status(), `${path} POST`).toBe(405);
      continue;
    }
    expect(post.status(), `${path} POST`).toBe(302);
    expect(post.headers().location, `${path} POST`).toMatch(/^\/login\?redirectTo=/);
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
  for (const path of ["/projects/brand-study/coding?index", "/projects/brand-study/coding/threads/x", "/projects/brand-study/collection?index", "/projects/brand-study/entree"]) {
    const response = await page.request.post(path, { form: { intent: "create", name: "x" }, headers: { origin: "http://127.0.0.1:3199" }, maxRedirects: 0 });
    expect(response.status(), path).toBe(403);
  }
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

test("an unknown address is a 404 inside the project's navigation, or under the app's header, without a hydration error", async ({ page }) => {
  await loginAs(page, ADMIN);
  await ensureProject("lost-study", ADMIN.email);
  for (const path of ["/projects/lost-study/nonsense", "/projects/lost-study/coding/nonsense", "/projects/lost-study/reporting/nonsense", "/projects/lost-study/collection/threads/x/y"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await page.waitForLoadState("networkidle");
    await expect(page.getByRole("heading", { level: 1, name: "Not found" }), path).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Project" }).getByRole("link", { name: "Hermeneutic coding" }), path).toBeVisible();
    await expect(page.getByRole("link", { name: "Netnography Workbench" }), path).toBeVisible();
  }
  // The page hydrated: its links navigate in the browser.
  await page.getByRole("link", { name: "Back to the project overview" }).click();
  await expect(page).toHaveURL(/\/projects\/lost-study$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Project lost-study");

  const outside = await page.goto("/nonsense/deeper");
  expect(outside?.status()).toBe(404);
  await page.waitForLoadState("networkidle");
  await expect(page.getByRole("heading", { level: 1, name: "Not found" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Projects" })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Projects" }).click();
  await expect(page).toHaveURL(/\/projects$/);
});
