// Counts in sentences people read (the audit log, the overview): one or many.
import { expect, test } from "vitest";
import { withCount } from "../../research/shared/plural.js";

test("a count takes its noun in the singular for one and in the plural otherwise", () => {
  expect(withCount(1, "community", "communities")).toBe("1 community");
  expect(withCount(0, "community", "communities")).toBe("0 communities");
  expect(withCount(1, "field note")).toBe("1 field note");
  expect(withCount(0, "field note")).toBe("0 field notes");
  expect(withCount(24, "post")).toBe("24 posts");
});
