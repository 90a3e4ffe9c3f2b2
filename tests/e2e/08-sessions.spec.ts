import { expect, test } from "./fixtures";
import { ensureAccount, loginAs } from "./helpers";

test("a researcher signed in on two browsers ends the other one from Your account, and logging out ends this one", async ({
  browser,
}) => {
  const account = await ensureAccount("sam.sessions@example.org", "Sam Sessions");
  const laptop = await browser.newContext();
  const phone = await browser.newContext();
  const onLaptop = await laptop.newPage();
  const onPhone = await phone.newPage();
  await loginAs(onLaptop, account);
  await loginAs(onPhone, account);

  // The name in the header leads to the sessions page, which lists both browsers.
  await onLaptop.getByRole("link", { name: "Sam Sessions" }).click();
  await expect(onLaptop.getByRole("heading", { name: "Your account" })).toBeVisible();
  const rows = onLaptop.getByRole("table").getByRole("row");
  await expect(rows).toHaveCount(3); // header + two sessions
  await expect(onLaptop.getByText("(this one)")).toHaveCount(1);
  await onLaptop.screenshot({ path: "test-results/e2e/sessions-page.png", fullPage: true });

  await onLaptop
    .getByRole("button", { name: /^End the session of Headless Chrome \d+ on Linux/ })
    .click();
  await expect(onLaptop.getByRole("status")).toHaveText("The session was ended.");
  await expect(rows).toHaveCount(2);

  // The phone's cookie no longer signs anyone in.
  await onPhone.goto("/projects");
  await expect(onPhone).toHaveURL(/\/login/);

  // Logging out ends the laptop's session too: its old cookie, replayed, is refused.
  const cookies = await laptop.cookies();
  await onLaptop.getByRole("button", { name: "Log out" }).click();
  await expect(onLaptop).toHaveURL(/\/login/);
  const replay = await browser.newContext();
  await replay.addCookies(cookies);
  const replayed = await replay.newPage();
  await replayed.goto("/projects");
  await expect(replayed).toHaveURL(/\/login/);
  await Promise.all([laptop.close(), phone.close(), replay.close()]);
});
