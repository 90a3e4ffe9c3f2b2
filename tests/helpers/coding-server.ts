// A stand-in for one app server of a team: it opens the shared store the way the server does
// (NETNO_DATA_DIR / NETNO_DATABASE_URL) and serves several coders at once (project members, by user id),
// each applying a code to every post it is given through the same research command the coding form calls. Each acknowledged coding's
// id is printed on its own line, so the test can check that every acknowledged write was stored once.
import { readFile } from "node:fs/promises";
import { applyCode } from "../../research/coding/index.js";
import { closeAllSql, getStore } from "../../research/store/index.js";

const [root, slug, coders, codeId, postsFile] = process.argv.slice(2);
const postIds = JSON.parse(await readFile(postsFile, "utf8")) as string[];
const store = getStore(root);
await Promise.all(
  coders.split(",").map(async (coderId) => {
    for (const postId of postIds) {
      const added = await applyCode({
        store,
        slug,
        coderId,
        codeIds: [codeId],
        span: { sourceType: "post", sourceId: postId, start: 0, end: 1 },
      });
      for (const coding of added) process.stdout.write(`${coding.id}\n`);
    }
  }),
);
await closeAllSql();
