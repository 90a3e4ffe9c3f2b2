import { expect, test } from "vitest";
import { assertSameOrigin } from "./guards.server";

function post(headers: Record<string, string>) {
  return new Request("http://127.0.0.1:3000/projects", { method: "POST", headers });
}

function status(request: Request): number {
  try {
    assertSameOrigin(request);
    return 200;
  } catch (error) {
    if (error instanceof Response) return error.status;
    throw error;
  }
}

test("a mutation from this site's pages passes", () => {
  expect(status(post({ origin: "http://127.0.0.1:3000" }))).toBe(200);
  expect(status(post({ "sec-fetch-site": "same-origin" }))).toBe(200);
  expect(status(new Request("http://127.0.0.1:3000/projects"))).toBe(200);
});

test("a mutation from elsewhere, or with neither Origin nor Sec-Fetch-Site, answers 403", () => {
  expect(status(post({ origin: "https://evil.example" }))).toBe(403);
  expect(status(post({ origin: "null" }))).toBe(403);
  expect(status(post({ "sec-fetch-site": "cross-site" }))).toBe(403);
  expect(status(post({}))).toBe(403);
});

test("a forged X-Forwarded-Host does not vouch for a forged Origin without NETNO_TRUST_PROXY", () => {
  expect(status(post({ origin: "https://evil.example", "x-forwarded-host": "evil.example" }))).toBe(403);
});
