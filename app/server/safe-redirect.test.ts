import { expect, test } from "vitest";
import { safeRedirect } from "./safe-redirect";

test("safeRedirect keeps same-site paths with their query", () => {
  expect(safeRedirect("/projects/vanlife/coding?code=a#x")).toBe("/projects/vanlife/coding?code=a#x");
  expect(safeRedirect(undefined)).toBe("/projects");
});

test("safeRedirect refuses every way off the site", () => {
  for (const value of ["https://evil.example/", "//evil.example", "/\\evil.example", "/%09/evil.example/", "/%2F/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil", "/\v/evil", "/é", "javascript:alert(1)", "/%5C%5Cevil.example", "/%"]) {
    expect(safeRedirect(value), value).toBe("/projects");
  }
});
