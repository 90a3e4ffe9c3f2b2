import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import {
  addDisclosureResponse,
  getConsentLog,
  getEthicsOverview,
  purgeMember,
  recordConsent,
  saveDisclosure,
  saveEthicsPlan,
} from "../../research/entree/index.js";
import { capabilities, roleAllows } from "../../research/projects/index.js";
import { createShareLink, revokeShareLink } from "../../research/reporting/index.js";
import { CLI_ACTOR } from "../../research/shared/roles.js";
import { addMember, buildProject, buildStore, buildUser } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

async function team() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const researcher = await buildUser(store);
  const strategist = await buildUser(store);
  const outsider = await buildUser(store);
  await addMember(store, project, researcher, "researcher", owner.id);
  await addMember(store, project, strategist, "strategist", owner.id);
  const { slug } = project;
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  const log = await getConsentLog({ store, slug, q: "", limit: 5, offset: 0 });
  return { store, slug, owner, researcher, strategist, outsider, memberId: log.rows[0].member.id };
}

test("the role table gives ethics, consent and member checks to the owner alone", () => {
  for (const capability of ["editEthics", "manageConsent", "manageMemberChecks"] as const) {
    expect(capabilities[capability]).toEqual(["owner"]);
  }
  expect(roleAllows("researcher", "readData")).toBe(true);
  expect(roleAllows("strategist", "readData")).toBe(false);
  expect(roleAllows("strategist", "readReports")).toBe(true);
});

test("the ethics and consent commands refuse a researcher and a strategist, and hide the project from an outsider", async () => {
  const { store, slug, researcher, strategist, outsider, memberId } = await team();
  const attempts = (userId: string) => [
    () =>
      saveEthicsPlan({
        store,
        slug,
        stage: "design",
        plan: { cloakingLevel: "uncloaked" },
        userId,
      }),
    () => saveDisclosure({ store, slug, draft: "Hi", postedWhere: "", postedAt: "", userId }),
    () => addDisclosureResponse({ store, slug, summary: "Welcomed", userId }),
    () => recordConsent({ store, slug, memberId, status: "consented", userId }),
    () => purgeMember({ store, slug, memberId, userId }),
    () => createShareLink({ store, slug, themeIds: ["any"], days: 7, userId }),
    () => revokeShareLink({ store, slug, linkId: "any", userId }),
  ];
  for (const user of [researcher, strategist]) {
    for (const attempt of attempts(user.id)) {
      await expect(attempt()).rejects.toMatchObject({ name: "ResearchError", code: "forbidden" });
    }
  }
  for (const attempt of attempts(outsider.id)) {
    await expect(attempt()).rejects.toMatchObject({ name: "ResearchError", code: "not-found" });
  }
  const overview = await getEthicsOverview({ store, slug });
  expect(overview.versions).toHaveLength(0);
  expect(overview.disclosure.responses).toHaveLength(0);
  const log = await getConsentLog({ store, slug, q: "", limit: 5, offset: 0 });
  expect(log.rows.find((row) => row.member.id === memberId)?.status).toBeNull();
});

test("the owner and the command line (which holds the data directory) may record consent and save the plan", async () => {
  const { store, slug, owner, memberId } = await team();
  await expect(
    saveEthicsPlan({
      store,
      slug,
      stage: "design",
      plan: { cloakingLevel: "maximum" },
      userId: owner.id,
    }),
  ).resolves.toBe(1);
  await recordConsent({ store, slug, memberId, status: "paraphrase-only", userId: CLI_ACTOR });
  const log = await getConsentLog({ store, slug, q: "", limit: 5, offset: 0 });
  expect(log.rows.find((row) => row.member.id === memberId)?.status).toBe("paraphrase-only");
});
