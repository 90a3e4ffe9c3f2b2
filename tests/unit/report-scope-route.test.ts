// The Report & exports page: the scope form chooses the communities the report covers (or hands the
// choice back to discovery), refuses a rejected or empty choice under its own form, and is not for
// strategists, who see no community names.
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles, listCommunities } from "../../research/collection/index.js";
import { addCandidate, assessCandidate } from "../../research/discovery/index.js";
import { resolveReportScope } from "../../research/reporting/index.js";
import { addMember, buildProject, buildUser } from "../factories.js";
import {
  bodyOf,
  buildAppStore,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

const FIXTURES = path.resolve(__dirname, "../fixtures");

test("the scope form chooses communities, refuses a rejected one, and is not for strategists", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  const researcher = await buildUser(store);
  const strategist = await buildUser(store);
  await addMember(store, project, researcher, "researcher", owner.id);
  await addMember(store, project, strategist, "strategist", owner.id);
  await importFiles({
    store,
    slug,
    files: [
      path.join(FIXTURES, "reddit-thread.json"),
      path.join(FIXTURES, "mastodon-statuses.json"),
    ],
  });
  const communities = await listCommunities({ store, slug });
  const reddit = communities.find((c) => c.platform === "reddit")!;
  const mastodon = communities.find((c) => c.platform === "mastodon")!;
  const candidate = await addCandidate({
    store,
    slug,
    userId: owner.id,
    name: "Fedi",
    platform: "web",
  });
  await assessCandidate({
    store,
    slug,
    userId: owner.id,
    candidateId: candidate.id,
    communityId: mastodon.id,
    judgements: {},
    decision: "rejected",
    reason: "Too small",
  });
  const route = await import("../../app/routes/projects.$slug.reporting.report");
  const asResearcher = routeCaller(
    route,
    `/projects/${slug}/reporting/report`,
    { slug },
    await signInCookie(researcher.id),
  );
  type Page = {
    scope: {
      basis: string;
      communities: Array<{ id: string; inScope: boolean; rejected: boolean }>;
    };
  };
  const page = bodyOf(await asResearcher.get()) as Page;
  expect(page.scope.basis).toBe("not-rejected");
  expect(page.scope.communities).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ id: reddit.id, inScope: true, rejected: false }),
      expect.objectContaining({ id: mastodon.id, inScope: false, rejected: true }),
    ]),
  );

  // A rejected community: refused under the scope form, nothing saved.
  const refused = await asResearcher.post({
    formId: "report-scope",
    basis: "chosen",
    communityIds: [reddit.id, mastodon.id],
  });
  expect(statusOf(refused)).toBe(400);
  expect(bodyOf(refused)).toMatchObject({ ok: false, formId: "report-scope" });
  expect(JSON.stringify(bodyOf(refused))).toMatch(/rejected in discovery/);
  // No box ticked: refused too.
  const empty = await asResearcher.post({ formId: "report-scope", basis: "chosen" });
  expect(statusOf(empty)).toBe(400);
  expect((await resolveReportScope({ store, slug })).basis).toBe("not-rejected");

  const saved = await asResearcher.post({
    formId: "report-scope",
    basis: "chosen",
    communityIds: reddit.id,
  });
  expect(bodyOf(saved)).toMatchObject({ ok: true, formId: "report-scope" });
  expect(await resolveReportScope({ store, slug })).toMatchObject({
    basis: "chosen",
    communityIds: [reddit.id],
  });
  const back = await asResearcher.post({ formId: "report-scope", basis: "discovery" });
  expect(bodyOf(back)).toMatchObject({ ok: true });
  expect((await resolveReportScope({ store, slug })).basis).toBe("not-rejected");
  // No basis at all: a field error, not a crash.
  expect(statusOf(await asResearcher.post({ formId: "report-scope" }))).toBe(400);

  const asStrategist = routeCaller(
    route,
    `/projects/${slug}/reporting/report`,
    { slug },
    await signInCookie(strategist.id),
  );
  const strategistPage = bodyOf(await asStrategist.get()) as Page;
  expect(strategistPage.scope.communities).toEqual([]);
  expect(
    statusOf(
      await asStrategist.post({ formId: "report-scope", basis: "chosen", communityIds: reddit.id }),
    ),
  ).toBe(403);
});
