// The role table (README "Roles", `capabilities` in research/projects/model.ts) is obeyed by the research
// commands themselves, whoever calls them: for each group of commands that change a project, a role the
// table leaves out is refused ("forbidden"), someone outside the project is told it does not exist
// ("not-found"), and a refusal writes nothing (read back); the roles the table names may run them.
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, onTestFinished, test } from "vitest";
import type { PublicUser } from "../../research/accounts/index.js";
import {
  addCodingsInBulk,
  addMemo,
  applyCode,
  createCodes,
  deleteCode,
  deleteMemo,
  editCode,
  getCodebook,
  listCodes,
  listCodings,
  listMemos,
  mergeCodes,
  moveCode,
  recodeCoding,
  removeCoding,
  renameCode,
  splitCode,
  updateCode,
  type Code,
  type Coding,
} from "../../research/coding/index.js";
import {
  createFieldNote,
  deleteFieldNote,
  importFiles,
  iterateVisiblePosts,
  listFieldNotes,
  listImports,
  updateFieldNote,
} from "../../research/collection/index.js";
import type { CorpusPost } from "../../research/collection/model.js";
import {
  exportProject,
  importCodebookFile,
  importProjectFile,
} from "../../research/exchange/index.js";
import {
  decideSuggestions,
  listSuggestions,
  runSuggestions,
  startSuggestionsJob,
} from "../../research/nlp/index.js";
import {
  addKeyword,
  addResearchQuestion,
  addSensitizingConcept,
  draftCodesFromConcepts,
  editKeyword,
  editResearchQuestion,
  editSensitizingConcept,
  getObjectives,
  removeKeyword,
  removeResearchQuestion,
  removeSensitizingConcept,
  saveScope,
} from "../../research/objectives/index.js";
import {
  addProjectMember,
  getProject,
  removeProjectMember,
  renameProject,
  roleAllows,
  setProjectArchived,
  type Capability,
} from "../../research/projects/index.js";
import {
  createTheme,
  deleteTheme,
  getThemesFile,
  removeQuoteFromFindings,
  saveGuideline,
  saveQuoteTreatment,
  saveReportSettings,
  updateTheme,
  type Theme,
} from "../../research/reporting/index.js";
import { CLI_ACTOR } from "../../research/shared/roles.js";
import type { DocumentStore } from "../../research/store/index.js";
import { addMember, buildProject, buildStore, buildUser, scratchDir } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

type Study = {
  store: DocumentStore;
  slug: string;
  owner: PublicUser;
  researcher: PublicUser;
  strategist: PublicUser;
  outsider: PublicUser;
  post: CorpusPost;
  codes: Record<"alpha" | "beta" | "gamma" | "delta" | "epsilon" | "zeta", Code>;
  /** Codings by the owner: two on one span (alpha, beta), one on another span (alpha, a theme's evidence). */
  codings: [Coding, Coding, Coding];
  memoId: string;
  noteId: string;
  theme: Theme;
  questionId: string;
  keywordId: string;
  conceptId: string;
};

/** A project with something of every kind the commands change, all made by its owner. */
async function study(): Promise<Study> {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const [researcher, strategist, outsider] = [
    await buildUser(store),
    await buildUser(store),
    await buildUser(store),
  ];
  await addMember(store, project, researcher, "researcher", owner.id);
  await addMember(store, project, strategist, "strategist", owner.id);
  const { slug } = project;
  const as = { store, slug, userId: owner.id };
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  let post: CorpusPost | undefined;
  for await (const batch of iterateVisiblePosts({ store, slug }))
    post ??= batch.find((candidate) => [...candidate.text].length >= 60);
  if (!post) throw new Error("The fixture has no post of 60 characters.");
  const names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"] as const;
  const created = await createCodes({
    ...as,
    codes: [
      ...names.map((name) => ({ name })),
      { name: "Power", definition: "talk about the battery" },
    ],
  });
  const codes = Object.fromEntries(names.map((name, i) => [name, created[i]])) as Study["codes"];
  const span = (start: number, end: number) => ({
    sourceType: "post" as const,
    sourceId: post!.id,
    start,
    end,
  });
  const [first, second] = await applyCode({
    store,
    slug,
    span: span(0, 10),
    codeIds: [codes.alpha.id, codes.beta.id],
    coderId: owner.id,
  });
  const [third] = await applyCode({
    store,
    slug,
    span: span(10, 20),
    codeIds: [codes.alpha.id],
    coderId: owner.id,
  });
  const memo = await addMemo({
    store,
    slug,
    target: { type: "project", id: project.id },
    markdown: "A first memo.",
    authorId: owner.id,
  });
  const note = await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "reflective",
    title: "First visit",
    markdown: "Lurked for an hour.",
  });
  const theme = await createTheme({
    ...as,
    name: "Self-repair",
    statement: "Members fix their own gear.",
    codeIds: [codes.alpha.id],
    confidence: "medium",
    evidenceCodingIds: [third.id],
  });
  return {
    store,
    slug,
    owner,
    researcher,
    strategist,
    outsider,
    post,
    codes,
    codings: [first, second, third],
    memoId: memo.id,
    noteId: note.id,
    theme,
    questionId: await addResearchQuestion({ ...as, question: "How is repair talked about?" }),
    keywordId: await addKeyword({ ...as, term: "battery" }),
    conceptId: await addSensitizingConcept({ ...as, name: "Self-reliance" }),
  };
}

type Command = [name: string, run: () => Promise<unknown>];

type Group = {
  name: string;
  capability: Capability;
  /** Each command of the group once, acting as `userId`; in an order in which all of them can succeed. */
  commands: (s: Study, userId: string) => Command[] | Promise<Command[]>;
  /** Everything the commands could change, read back. */
  state: (s: Study) => Promise<unknown>;
  /** Commands only checked for refusal (what they start on success is tested elsewhere). */
  refusalOnly?: string[];
};

const groups: Group[] = [
  {
    name: "objectives",
    capability: "editPlan",
    commands: ({ store, slug, questionId, keywordId, conceptId }, userId) => {
      const as = { store, slug, userId };
      return [
        ["saveScope", () => saveScope({ ...as, phenomenon: "Repair talk", languages: ["en"] })],
        ["addResearchQuestion", () => addResearchQuestion({ ...as, question: "Who helps whom?" })],
        [
          "editResearchQuestion",
          () => editResearchQuestion({ ...as, id: questionId, question: "How is repair shared?" }),
        ],
        ["removeResearchQuestion", () => removeResearchQuestion({ ...as, id: questionId })],
        ["addKeyword", () => addKeyword({ ...as, term: "solar", synonyms: ["panel"] })],
        ["editKeyword", () => editKeyword({ ...as, id: keywordId, term: "batteries" })],
        ["removeKeyword", () => removeKeyword({ ...as, id: keywordId })],
        ["addSensitizingConcept", () => addSensitizingConcept({ ...as, name: "Thrift" })],
        [
          "editSensitizingConcept",
          () => editSensitizingConcept({ ...as, id: conceptId, name: "Autonomy" }),
        ],
        ["draftCodesFromConcepts", () => draftCodesFromConcepts(as)],
        ["removeSensitizingConcept", () => removeSensitizingConcept({ ...as, id: conceptId })],
      ];
    },
    state: async ({ store, slug }) => ({
      objectives: await getObjectives({ store, slug }),
      codebook: await getCodebook({ store, slug }),
    }),
  },
  {
    name: "codebook",
    capability: "code",
    commands: ({ store, slug, codes }, userId) => {
      const as = { store, slug, userId };
      return [
        ["createCodes", () => createCodes({ ...as, codes: [{ name: "Fresh" }] })],
        ["renameCode", () => renameCode({ ...as, codeId: codes.alpha.id, name: "Alpha 2" })],
        ["moveCode", () => moveCode({ ...as, codeId: codes.beta.id, parentId: codes.alpha.id })],
        [
          "editCode",
          () => editCode({ ...as, codeId: codes.alpha.id, details: { definition: "Fixing" } }),
        ],
        [
          "updateCode",
          () =>
            updateCode({
              ...as,
              codeId: codes.delta.id,
              name: "Delta 2",
              parentId: codes.alpha.id,
              details: { affective: true },
            }),
        ],
        [
          "mergeCodes",
          () => mergeCodes({ ...as, codeIds: [codes.beta.id], targetId: codes.gamma.id }),
        ],
        ["splitCode", () => splitCode({ ...as, codeId: codes.epsilon.id, into: ["E1", "E2"] })],
        ["deleteCode", () => deleteCode({ ...as, codeId: codes.alpha.id })],
      ];
    },
    state: async ({ store, slug }) => ({
      codebook: await getCodebook({ store, slug }),
      codings: await listCodings({ store, slug }),
    }),
  },
  {
    name: "codings",
    capability: "code",
    commands: ({ store, slug, post, codes, codings }, userId) => {
      const span = { sourceType: "post" as const, sourceId: post.id, start: 20, end: 30 };
      return [
        [
          "applyCode",
          () => applyCode({ store, slug, span, codeIds: [codes.gamma.id], coderId: userId }),
        ],
        ["removeCoding", () => removeCoding({ store, slug, codingId: codings[0].id, userId })],
        [
          "recodeCoding",
          () =>
            recodeCoding({ store, slug, codingId: codings[1].id, codeId: codes.zeta.id, userId }),
        ],
        [
          "addCodingsInBulk",
          () =>
            addCodingsInBulk({
              store,
              slug,
              items: [
                { span: { ...span, start: 30, end: 40 }, codeId: codes.zeta.id, coderId: userId },
              ],
              userId,
            }),
        ],
      ];
    },
    state: ({ store, slug }) => listCodings({ store, slug }),
  },
  {
    name: "memos and field notes",
    capability: "code",
    commands: ({ store, slug, memoId, noteId }, userId) => {
      const note = { kind: "methodological" as const, title: "Sampling", markdown: "Two threads." };
      return [
        [
          "addMemo",
          () =>
            addMemo({
              store,
              slug,
              target: { type: "project", id: "p" },
              markdown: "Second thoughts.",
              authorId: userId,
            }),
        ],
        ["deleteMemo", () => deleteMemo({ store, slug, memoId, userId })],
        ["createFieldNote", () => createFieldNote({ store, slug, authorId: userId, ...note })],
        ["updateFieldNote", () => updateFieldNote({ store, slug, noteId, userId, ...note })],
        ["deleteFieldNote", () => deleteFieldNote({ store, slug, noteId, userId })],
      ];
    },
    state: async ({ store, slug }) => ({
      memos: await listMemos({ store, slug }),
      notes: await listFieldNotes({ store, slug }),
    }),
  },
  {
    name: "themes and the report",
    capability: "code",
    commands: ({ store, slug, codes, codings, theme }, userId) => {
      const as = { store, slug, userId };
      const input = {
        name: "Thrift",
        statement: "Members buy used parts.",
        codeIds: [codes.gamma.id],
        confidence: "low" as const,
      };
      return [
        ["createTheme", () => createTheme({ ...as, ...input })],
        ["updateTheme", () => updateTheme({ ...as, ...input, name: "Repair", themeId: theme.id })],
        [
          "saveGuideline",
          () => saveGuideline({ ...as, themeId: theme.id, guideline: { touchpoint: "Forum" } }),
        ],
        [
          "saveQuoteTreatment",
          () =>
            saveQuoteTreatment({
              ...as,
              codingId: codings[2].id,
              paraphrase: "Someone described a way of working.",
              searchTested: true,
            }),
        ],
        [
          "removeQuoteFromFindings",
          () => removeQuoteFromFindings({ ...as, codingId: codings[2].id, reason: "asked" }),
        ],
        [
          "saveReportSettings",
          () => saveReportSettings({ ...as, limitations: "One forum.", selfAssessment: {} }),
        ],
        ["deleteTheme", () => deleteTheme({ ...as, themeId: theme.id })],
      ];
    },
    state: ({ store, slug }) => getThemesFile({ store, slug }),
  },
  {
    name: "suggestions",
    capability: "code",
    commands: async ({ store, slug }, userId) => {
      const { suggestions } = await listSuggestions({ store, slug });
      return [
        [
          "decideSuggestions",
          () =>
            decideSuggestions({
              store,
              slug,
              suggestionIds: [suggestions[0].id],
              decision: "accepted",
              userId,
            }),
        ],
        [
          "startSuggestionsJob",
          () => startSuggestionsJob({ store, dataDir: store.root, slug, userId }),
        ],
      ];
    },
    state: async ({ store, slug }) => ({
      suggestions: await listSuggestions({ store, slug }),
      codings: await listCodings({ store, slug }),
    }),
    // It starts a background process; tests/unit/suggestions-route.test.ts runs one.
    refusalOnly: ["startSuggestionsJob"],
  },
  {
    name: "imports",
    capability: "code",
    commands: async ({ store, slug }, userId) => {
      const dir = await scratchDir("netno-roles-");
      onTestFinished(() => rm(dir, { recursive: true, force: true }));
      const qdpx = path.join(dir, "study.qdpx");
      await writeFile(qdpx, await exportProject({ store, slug }));
      return [
        [
          "importFiles",
          () =>
            importFiles({ store, slug, files: [path.join(FIXTURES, "hn-items.ndjson")], userId }),
        ],
        [
          "importCodebookFile",
          () =>
            importCodebookFile({
              store,
              slug,
              file: path.join(FIXTURES, "refi", "maxqda-codebook.qdc"),
              userId,
            }),
        ],
        [
          "importProjectFile",
          () => importProjectFile({ store, slug, file: qdpx, userId, community: "Again" }),
        ],
      ];
    },
    state: async ({ store, slug }) => ({
      imports: await listImports({ store, slug }),
      codes: await listCodes({ store, slug }),
      codings: await listCodings({ store, slug }),
    }),
  },
  {
    name: "project settings and team",
    capability: "manage",
    commands: ({ store, slug, researcher, outsider }, userId) => [
      ["renameProject", () => renameProject({ store, slug, title: "Renamed", userId })],
      [
        "addProjectMember",
        () =>
          addProjectMember({ store, slug, email: outsider.email, role: "owner", addedBy: userId }),
      ],
      [
        "removeProjectMember",
        () => removeProjectMember({ store, slug, userId: researcher.id, removedBy: userId }),
      ],
      ["setProjectArchived", () => setProjectArchived({ store, slug, archived: true, userId })],
    ],
    state: ({ store, slug }) => getProject({ store, slug }),
  },
];

/** Runs each command and says how it was refused (or "done"). */
async function outcomes(commands: Command[]): Promise<Record<string, string>> {
  const seen: Record<string, string> = {};
  for (const [name, run] of commands) {
    seen[name] = await run().then(
      () => "done",
      (error: { code?: string; message?: string }) => error.code ?? String(error.message),
    );
  }
  return seen;
}

/** The group's state as a copy: a store may hand out the document it keeps, which a later write changes. */
async function snapshot(group: Group, s: Study): Promise<unknown> {
  return structuredClone(await group.state(s));
}

async function prepared(group: Group): Promise<Study> {
  const s = await study();
  if (group.name === "suggestions") await runSuggestions({ store: s.store, slug: s.slug });
  return s;
}

test.each(groups)(
  "$name ($capability): a role the table leaves out is refused, an outsider gets not-found, nothing is written",
  async (group) => {
    const s = await prepared(group);
    const before = await snapshot(group, s);
    const refused = [s.researcher, s.strategist].filter(
      (user) => !roleAllows(user === s.researcher ? "researcher" : "strategist", group.capability),
    );
    // The strategist may change nothing; the researcher everything but the project's settings and team.
    expect(refused.includes(s.strategist)).toBe(true);
    expect(refused.includes(s.researcher)).toBe(group.capability === "manage");
    const every = (commands: Command[], outcome: string) =>
      Object.fromEntries(commands.map(([name]) => [name, outcome]));
    for (const user of refused) {
      const commands = await group.commands(s, user.id);
      expect(await outcomes(commands)).toEqual(every(commands, "forbidden"));
    }
    const commands = await group.commands(s, s.outsider.id);
    expect(await outcomes(commands)).toEqual(every(commands, "not-found"));
    expect(await snapshot(group, s)).toEqual(before);
  },
);

test.each(groups)("$name ($capability): the roles the table names may run them", async (group) => {
  const s = await prepared(group);
  const before = await snapshot(group, s);
  const actor = roleAllows("researcher", group.capability) ? s.researcher : s.owner;
  const commands = (await group.commands(s, actor.id)).filter(
    ([name]) => !group.refusalOnly?.includes(name),
  );
  const seen = await outcomes(commands);
  expect(seen).toEqual(Object.fromEntries(commands.map(([name]) => [name, "done"])));
  expect(await snapshot(group, s)).not.toEqual(before);
});

test("the command line acts as the owner", async () => {
  const s = await study();
  const { store, slug } = s;
  await renameProject({ store, slug, title: "From the shell", userId: CLI_ACTOR });
  await createCodes({ store, slug, userId: CLI_ACTOR, codes: [{ name: "Shell" }] });
  await addKeyword({ store, slug, userId: CLI_ACTOR, term: "inverter" });
  expect((await getProject({ store, slug }))?.title).toBe("From the shell");
  expect((await listCodes({ store, slug })).map((code) => code.name)).toContain("Shell");
  expect((await getObjectives({ store, slug })).keywords.map((k) => k.term)).toContain("inverter");
});

test("a member whose role is lowered is refused from then on", async () => {
  const s = await study();
  const { store, slug, owner, researcher } = s;
  await addProjectMember({
    store,
    slug,
    email: researcher.email,
    role: "strategist",
    addedBy: owner.id,
  });
  await expect(
    createCodes({ store, slug, userId: researcher.id, codes: [{ name: "Late" }] }),
  ).rejects.toMatchObject({ name: "ResearchError", code: "forbidden" });
  expect((await listCodes({ store, slug })).map((code) => code.name)).not.toContain("Late");
});
