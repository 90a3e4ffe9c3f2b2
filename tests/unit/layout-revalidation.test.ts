// After a coding page saves, the root, project and coding layouts keep their data; anything else revalidates.
import type { ShouldRevalidateFunctionArgs } from "@remix-run/react";
import { expect, test } from "vitest";
import { keepLayoutAfterCodingAction } from "../../app/components/layout-revalidation.js";

const base = "http://127.0.0.1:3000";
const thread = "/projects/study/coding/threads/t1";

function args(overrides: Partial<ShouldRevalidateFunctionArgs> = {}): ShouldRevalidateFunctionArgs {
  return {
    currentUrl: new URL(`${base}${thread}?coder=all`),
    nextUrl: new URL(`${base}${thread}?coder=all`),
    currentParams: { slug: "study", threadId: "t1" },
    nextParams: { slug: "study", threadId: "t1" },
    formMethod: "POST",
    formAction: `${thread}?coder=all`,
    defaultShouldRevalidate: true,
    ...overrides,
  } as ShouldRevalidateFunctionArgs;
}

test("a coding page's own action keeps the layouts' data", () => {
  expect(keepLayoutAfterCodingAction(args())).toBe(false);
  expect(keepLayoutAfterCodingAction(args({ formMethod: "post" }))).toBe(false);
  // The codebook, a code's retrieval view, field-note coding, suggestions.
  for (const page of ["/projects/study/coding", "/projects/study/coding/codes/c1"]) {
    const url = new URL(`${base}${page}`);
    expect(
      keepLayoutAfterCodingAction(
        args({ currentUrl: url, nextUrl: url, formAction: `${page}?index` }),
      ),
    ).toBe(false);
  }
});

test("everything else revalidates as Remix would", () => {
  // Navigations (no form), GET forms.
  expect(keepLayoutAfterCodingAction(args({ formMethod: undefined, formAction: undefined }))).toBe(
    true,
  );
  expect(keepLayoutAfterCodingAction(args({ formMethod: "GET" }))).toBe(true);
  expect(
    keepLayoutAfterCodingAction(args({ formMethod: undefined, defaultShouldRevalidate: false })),
  ).toBe(false);
  // Logging out from a coding page, the settings' rename, another project's page.
  expect(keepLayoutAfterCodingAction(args({ formAction: "/logout" }))).toBe(true);
  expect(keepLayoutAfterCodingAction(args({ formAction: "/projects/study/settings" }))).toBe(true);
  expect(
    keepLayoutAfterCodingAction(args({ formAction: "/projects/other/coding/threads/t1" })),
  ).toBe(true);
  // A lookalike slug is another project.
  expect(keepLayoutAfterCodingAction(args({ formAction: "/projects/study/codingx" }))).toBe(true);
  // The action redirected elsewhere (for instance to the login page).
  expect(keepLayoutAfterCodingAction(args({ nextUrl: new URL(`${base}/login`) }))).toBe(true);
  // A coding form posted from a page outside the coding phase.
  const overview = new URL(`${base}/projects/study`);
  expect(
    keepLayoutAfterCodingAction(
      args({ currentUrl: overview, nextUrl: overview, currentParams: { slug: "study" } }),
    ),
  ).toBe(true);
  // No project in the address.
  expect(
    keepLayoutAfterCodingAction(
      args({ currentParams: {}, nextParams: {}, formAction: "/projects/study/coding" }),
    ),
  ).toBe(true);
});
