import { expect, test } from "vitest";
import { LoginThrottle } from "../../research/accounts/login-throttle.js";
import { buildStore, buildUser, pointAppAtStore } from "../factories.js";
import { routeCaller, statusOf } from "../helpers/route-requests.js";

test("attempts are counted when they start: of 60 at once only the free ones go ahead", () => {
  let now = 0;
  const throttle = new LoginThrottle(3, 1000, 60_000, () => now);
  const started = Array.from({ length: 60 }, () => throttle.begin("ana")).filter((w) => w === 0);
  expect(started).toHaveLength(3);
  for (let i = 0; i < 3; i++) throttle.recordFailure("ana");
  expect(throttle.retryAfterMs("ana")).toBe(1000);
  // Slowed down, never locked out for long: the wait is capped.
  for (let i = 0; i < 30; i++) {
    now += throttle.retryAfterMs("ana");
    expect(throttle.begin("ana")).toBe(0);
    throttle.recordFailure("ana");
  }
  expect(throttle.retryAfterMs("ana")).toBe(60_000);
  // Another key is not affected, and a success forgives.
  expect(throttle.begin("bo")).toBe(0);
  now += 60_000;
  expect(throttle.begin("ana")).toBe(0);
  throttle.recordSuccess("ana");
  expect(throttle.retryAfterMs("ana")).toBe(0);
});

test("60 parallel wrong logins get at most three password checks, and a rotating X-Forwarded-For does not help", async () => {
  const store = await buildStore();
  pointAppAtStore(store);
  const owner = await buildUser(store, { admin: true });
  const route = await import("../../app/routes/login");
  const login = routeCaller(route, "/login", {}, null);
  const answers = await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      login.post(
        { email: owner.email, password: `wrong-${i}` },
        { "x-forwarded-for": `203.0.113.${i}` },
      ),
    ),
  );
  const statuses = answers.map(statusOf);
  expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(3);
  expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(57);
  expect(statuses.every((status) => status === 401 || status === 429)).toBe(true);
});
