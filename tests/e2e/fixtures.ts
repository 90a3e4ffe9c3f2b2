import { test as base, expect, type Browser, type BrowserContext } from "@playwright/test";

// Every journey fails on what a user would not see but a broken page shows: an error in the browser
// console, an uncaught exception (a route module that throws on load, a failed hydration), or a request
// that leaves loopback. Pages the journey opens itself (browser.newContext / newPage) are watched too.

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

// Chromium logs every 4xx/5xx answer as a console error; journeys that check a refusal expect those.
const EXPECTED_REFUSAL = /^Failed to load resource: the server responded with a status of 4\d\d/;

function watch(context: BrowserContext, problems: string[]): void {
  context.on("console", (message) => {
    if (message.type() !== "error" || EXPECTED_REFUSAL.test(message.text())) return;
    problems.push(`console.error on ${message.page()?.url() ?? "?"}: ${message.text()}`);
  });
  context.on("weberror", (error) => {
    problems.push(
      `uncaught in ${error.page()?.url() ?? "?"}: ${error.error().stack ?? error.error()}`,
    );
  });
  void context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === "data:" || url.protocol === "blob:" || LOOPBACK_HOSTS.has(url.hostname)) {
      return route.continue();
    }
    problems.push(`request beyond loopback: ${url.href}`);
    return route.abort("blockedbyclient");
  });
}

function watchNewContexts(browser: Browser, problems: string[]): () => void {
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (...args: Parameters<Browser["newContext"]>) => {
    const context = await newContext(...args);
    watch(context, problems);
    return context;
  };
  return () => {
    browser.newContext = newContext;
  };
}

export const test = base.extend<{ browserProblems: string[] }>({
  browserProblems: [
    async ({ browser, context }, use) => {
      const problems: string[] = [];
      watch(context, problems);
      const restore = watchNewContexts(browser, problems);
      await use(problems);
      restore();
      expect(problems, "the browser reported problems during the journey").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { Locator, Page } from "@playwright/test";
