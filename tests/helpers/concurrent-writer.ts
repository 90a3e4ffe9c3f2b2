// A second process writing to a data directory, as the CLI does while the web server runs. With
// NETNO_DATABASE_URL set it writes to PostgreSQL (documents there), as the CLI of a team server does.
import { closeAllSql, getStore, type StoredFileKind } from "../../research/store/index.js";
import { z } from "zod";

const [root, tag, count] = process.argv.slice(2);
const listFile: StoredFileKind<{ items: string[] }> = {
  description: "list",
  schema: z.object({ items: z.array(z.string()) }),
  version: 1,
  empty: () => ({ items: [] }),
};
const store = getStore(root);
await Promise.all(
  Array.from({ length: Number(count) }, (_, i) =>
    store.update(listFile, "projects/p/shared.json", (data) => void data.items.push(`${tag}-${i}`)),
  ),
);
await closeAllSql();
