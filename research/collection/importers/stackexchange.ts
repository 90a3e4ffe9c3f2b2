import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { SaxesParser } from "saxes";
import { ResearchError } from "../../shared/errors.js";
import { chosenFolderName, StackExchangeSiteCounter } from "./community-names.js";
import { htmlToPlainText, normalizeText, sanitizeImportedHtml } from "./html.js";
import { toIsoDate } from "./read.js";
import type { ImportEvent, ImportedAuthor, Importer } from "./types.js";

type Row = { attributes: Record<string, string>; line: number };

/** Streams the `<row .../>` elements of a data-dump XML file; memory holds one chunk at a time. */
async function* readRows(file: string): AsyncGenerator<Row | ImportEvent> {
  const parser = new SaxesParser({ position: true });
  const rows: Row[] = [];
  let failure: Error | null = null;
  parser.on("opentag", (tag) => {
    if (tag.name === "row") rows.push({ attributes: tag.attributes as Record<string, string>, line: parser.line });
  });
  parser.on("error", (error) => {
    failure ??= error;
  });
  const stream = createReadStream(file, { encoding: "utf8" });
  let first = true;
  for await (const chunk of stream) {
    const text = first ? String(chunk).replace(/^\uFEFF/, "") : String(chunk);
    first = false;
    parser.write(text);
    if (failure) break;
    yield* rows.splice(0);
    yield { kind: "progress", file, bytesRead: stream.bytesRead };
  }
  if (!failure) parser.close();
  yield* rows.splice(0);
  if (failure) {
    throw new ResearchError("import-failed", `${path.basename(file)} is not well-formed XML at line ${parser.line}: ${(failure as Error).message}`, { file, line: parser.line });
  }
}

const DUMP_FILES = ["Users.xml", "Posts.xml", "Comments.xml"];

/** Rows of Posts.xml and of Comments.xml read to learn the site: enough to tell, cheap on a large dump. */
const SITE_SAMPLE_ROWS = 20_000;

/**
 * The community a dump is: the site its posts and comments link to (`conlang.meta.stackexchange.com`),
 * else the folder the person chose, else a neutral name; never an upload's temporary folder, which
 * would make the same dump a new community on every upload.
 */
async function communityOfDump(folder: string, postsFile: string | null, commentsFile: string | null): Promise<string> {
  const counter = new StackExchangeSiteCounter();
  for (const file of [postsFile, commentsFile]) {
    if (!file) continue;
    let rows = 0;
    try {
      for await (const row of readRows(file)) {
        if ("kind" in row) continue;
        const a = row.attributes;
        if (file === postsFile && a.PostTypeId === "1") counter.addQuestion(a.Tags);
        counter.addText(file === postsFile ? a.Body : a.Text);
        if (++rows >= SITE_SAMPLE_ROWS) break;
      }
    } catch {
      // A malformed file is reported, with its line, when it is read for its posts.
    }
  }
  return counter.site() ?? chosenFolderName(path.join(folder, "Posts.xml")) ?? "Stack Exchange site";
}

export const stackExchangeImporter: Importer = {
  format: "stackexchange",
  platform: "stackexchange",
  label: "Stack Exchange data dump (folder, or Posts.xml + Comments.xml + Users.xml)",
  detect({ head, fileName }) {
    return DUMP_FILES.includes(path.basename(fileName)) && /<(posts|comments|users)>/i.test(head) && /<row /.test(head);
  },
  groupFiles(files) {
    // The three files of one dump folder are read together, users first so posts can be named.
    const byFolder = new Map<string, string[]>();
    for (const file of files) {
      const folder = path.dirname(file);
      byFolder.set(folder, [...(byFolder.get(folder) ?? []), file]);
    }
    return [...byFolder.values()].map((group) => group.sort((a, b) => DUMP_FILES.indexOf(path.basename(a)) - DUMP_FILES.indexOf(path.basename(b))));
  },
  async *read(files) {
    const folder = path.dirname(files[0]);
    const find = async (name: string) => {
      const given = files.find((file) => path.basename(file) === name);
      if (given) return given;
      const sibling = path.join(folder, name);
      return (await stat(sibling).then((s) => s.isFile(), () => false)) ? sibling : null;
    };
    const usersFile = await find("Users.xml");
    const postsFile = await find("Posts.xml");
    const commentsFile = await find("Comments.xml");
    if (!postsFile && !commentsFile) {
      yield { kind: "invalid", where: { file: files[0] }, message: "A Stack Exchange import needs Posts.xml (and Comments.xml for comments)." };
      return;
    }
    const community = await communityOfDump(folder, postsFile, commentsFile);
    // Earlier releases named a dump after its folder: a project that has it so keeps that community.
    const chosenFolder = chosenFolderName(path.join(folder, "Posts.xml"));
    const formerCommunityNames = chosenFolder && chosenFolder !== community ? [chosenFolder] : undefined;
    const names = new Map<string, string>();
    if (usersFile) {
      for await (const row of readRows(usersFile)) {
        if ("kind" in row) continue;
        if (row.attributes.Id && row.attributes.DisplayName) names.set(row.attributes.Id, row.attributes.DisplayName);
      }
    }
    const authorOf = (userId: string | undefined, displayName: string | undefined): ImportedAuthor => {
      if (userId && userId !== "-1" && names.has(userId)) return { handle: names.get(userId)!, displayName: names.get(userId)!, platformUserId: userId };
      if (userId === "-1") return { handle: "Community", platformUserId: "-1" };
      if (displayName) return { handle: displayName, displayName };
      return userId ? { handle: `user${userId}`, platformUserId: userId } : null;
    };
    const threadOfPost = new Map<string, string>();
    if (postsFile) {
      for await (const row of readRows(postsFile)) {
        if ("kind" in row) {
          yield row;
          continue;
        }
        const a = row.attributes;
        const where = { file: postsFile, line: row.line };
        if (!a.Id) {
          yield { kind: "invalid", where: { ...where, field: "Id" }, message: "A row of Posts.xml has no Id." };
          continue;
        }
        if (a.PostTypeId !== "1" && a.PostTypeId !== "2") continue; // tag wikis and other post types are not community talk
        if (a.PostTypeId === "2" && !a.ParentId) {
          yield { kind: "invalid", where: { ...where, field: "ParentId" }, message: `Answer ${a.Id} has no ParentId.` };
          continue;
        }
        const threadId = a.PostTypeId === "1" ? a.Id : a.ParentId;
        threadOfPost.set(a.Id, threadId);
        const html = sanitizeImportedHtml(a.Body ?? "");
        const body = normalizeText(htmlToPlainText(html));
        yield {
          kind: "post",
          post: {
            sourceId: `p${a.Id}`,
            threadSourceId: threadId,
            threadTitle: a.PostTypeId === "1" ? a.Title ?? null : null,
            parentSourceId: a.PostTypeId === "2" ? `p${a.ParentId}` : null,
            author: authorOf(a.OwnerUserId, a.OwnerDisplayName),
            createdAt: toIsoDate(a.CreationDate),
            html,
            text: a.PostTypeId === "1" && a.Title ? `${a.Title}\n\n${body}` : body,
            title: a.PostTypeId === "1" ? a.Title ?? null : null,
            url: null,
            community,
            formerCommunityNames,
          },
        };
      }
    }
    if (commentsFile) {
      for await (const row of readRows(commentsFile)) {
        if ("kind" in row) {
          yield row;
          continue;
        }
        const a = row.attributes;
        const where = { file: commentsFile, line: row.line };
        if (!a.Id || !a.PostId) {
          yield { kind: "invalid", where: { ...where, field: a.Id ? "PostId" : "Id" }, message: "A comment row needs Id and PostId." };
          continue;
        }
        yield {
          kind: "post",
          post: {
            sourceId: `c${a.Id}`,
            threadSourceId: threadOfPost.get(a.PostId) ?? a.PostId,
            parentSourceId: `p${a.PostId}`,
            author: authorOf(a.UserId, a.UserDisplayName),
            createdAt: toIsoDate(a.CreationDate),
            html: null,
            text: normalizeText(a.Text ?? ""),
            url: null,
            community,
            formerCommunityNames,
          },
        };
      }
    }
  },
};
