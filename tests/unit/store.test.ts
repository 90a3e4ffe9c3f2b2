import { readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { z } from "zod";
import {
  LowdbDocumentStore,
  setBeforeRenameHook,
  type StoredFileKind,
} from "../../research/store/index.js";
import { isResearchError } from "../../research/shared/errors.js";
import { buildLowdbStore, TEST_ENGINE } from "../factories.js";

const listFile: StoredFileKind<{ items: number[] }> = {
  description: "test list",
  schema: z.object({ items: z.array(z.number()) }),
  version: 2,
  empty: () => ({ items: [] }),
  migrations: { 1: (data) => ({ items: Array.isArray(data.values) ? data.values : [] }) },
};

// The embedded file engine's own behaviour (files on disk, other processes). The PostgreSQL run skips it:
// tests/unit/sql-store.test.ts holds the contract both engines keep.
describe.skipIf(TEST_ENGINE === "postgres")("lowdb document files", () => {
  afterEach(() => setBeforeRenameHook(undefined));

  test("200 concurrent writes to one project file are all present afterwards", async () => {
    const store = await buildLowdbStore();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.update(listFile, "projects/p/list.json", (data) => void data.items.push(i)),
      ),
    );
    const fresh = new LowdbDocumentStore(store.root);
    const data = await fresh.read(listFile, "projects/p/list.json");
    expect(data.items).toHaveLength(200);
    expect(new Set(data.items).size).toBe(200);
    const onDisk = JSON.parse(
      await readFile(path.join(store.root, "projects/p/list.json"), "utf8"),
    );
    expect(onDisk.schemaVersion).toBe(2);
    expect(onDisk.items).toHaveLength(200);
  });

  test("a write interrupted between temp file and rename leaves the previous valid file", async () => {
    const store = await buildLowdbStore();
    await store.update(listFile, "p.json", (data) => void data.items.push(1));
    setBeforeRenameHook(() => {
      throw new Error("simulated crash before rename");
    });
    await expect(
      store.update(listFile, "p.json", (data) => void data.items.push(2)),
    ).rejects.toThrow("simulated crash");
    setBeforeRenameHook(undefined);
    const onDisk = JSON.parse(await readFile(path.join(store.root, "p.json"), "utf8"));
    expect(onDisk.items).toEqual([1]);
    // The failed change is not served from memory either.
    expect((await store.read(listFile, "p.json")).items).toEqual([1]);
    expect((await readdir(store.root)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  test("a corrupt file is reported with its name and never replaced", async () => {
    const store = await buildLowdbStore();
    const file = path.join(store.root, "broken.json");
    await writeFile(file, '{"schemaVersion":2,"items":[1,2');
    const error = await store.read(listFile, "broken.json").catch((e: unknown) => e);
    expect(isResearchError(error, "corrupt-file")).toBe(true);
    expect(String((error as Error).message)).toContain(file);
    await expect(
      store.update(listFile, "broken.json", (data) => void data.items.push(3)),
    ).rejects.toThrow(/not valid JSON/);
    expect(await readFile(file, "utf8")).toBe('{"schemaVersion":2,"items":[1,2');
  });

  test("a file that breaks the schema names the field and is left untouched", async () => {
    const store = await buildLowdbStore();
    const file = path.join(store.root, "bad.json");
    await writeFile(file, JSON.stringify({ schemaVersion: 2, items: [1, "two"] }));
    const error = await store.read(listFile, "bad.json").catch((e: unknown) => e);
    expect(isResearchError(error, "corrupt-file")).toBe(true);
    expect((error as Error).message).toContain("items[1]");
    expect(JSON.parse(await readFile(file, "utf8")).items).toEqual([1, "two"]);
  });

  test("an empty file is reported, not treated as a new database", async () => {
    const store = await buildLowdbStore();
    await writeFile(path.join(store.root, "empty.json"), "");
    await expect(
      store.update(listFile, "empty.json", (data) => void data.items.push(1)),
    ).rejects.toThrow(/is empty/);
  });

  test("an older file is migrated at load and saved in the new version on the next write", async () => {
    const store = await buildLowdbStore();
    await writeFile(
      path.join(store.root, "old.json"),
      JSON.stringify({ schemaVersion: 1, values: [7, 8] }),
    );
    expect((await store.read(listFile, "old.json")).items).toEqual([7, 8]);
    await store.update(listFile, "old.json", (data) => void data.items.push(9));
    expect(JSON.parse(await readFile(path.join(store.root, "old.json"), "utf8"))).toEqual({
      schemaVersion: 2,
      items: [7, 8, 9],
    });
  });

  test("a file from a newer version is refused", async () => {
    const store = await buildLowdbStore();
    await writeFile(
      path.join(store.root, "new.json"),
      JSON.stringify({ schemaVersion: 9, items: [] }),
    );
    await expect(store.read(listFile, "new.json")).rejects.toThrow(/newer version/);
  });

  test("a change made by another process (the CLI) is seen on the next read", async () => {
    const store = await buildLowdbStore();
    await store.update(listFile, "shared.json", (data) => void data.items.push(1));
    const otherProcess = new LowdbDocumentStore(store.root);
    await new Promise((resolve) => setTimeout(resolve, 15));
    await otherProcess.update(listFile, "shared.json", (data) => void data.items.push(2));
    expect((await store.read(listFile, "shared.json")).items).toEqual([1, 2]);
  });

  test("keys cannot escape the data directory", async () => {
    const store = await buildLowdbStore();
    await expect(store.read(listFile, "../outside.json")).rejects.toThrow(
      /outside the data directory/,
    );
  });

  test("the web server and CLI processes writing the same file at once lose none of each other's writes", async () => {
    const { spawn } = await import("node:child_process");
    const store = await buildLowdbStore();
    const sharedFile: StoredFileKind<{ items: string[] }> = {
      description: "list",
      schema: z.object({ items: z.array(z.string()) }),
      version: 1,
      empty: () => ({ items: [] }),
    };
    const writer = (tag: string) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            "--import",
            "tsx",
            path.resolve(__dirname, "../helpers/concurrent-writer.ts"),
            store.root,
            tag,
            "60",
          ],
          { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NETNO_DATABASE_URL: "" } },
        );
        let errors = "";
        child.stderr.on("data", (chunk) => (errors += chunk));
        child.on("exit", (code) =>
          code === 0 ? resolve() : reject(new Error(`writer ${tag} failed: ${errors}`)),
        );
      });
    await Promise.all([
      writer("cli-a"),
      writer("cli-b"),
      ...Array.from({ length: 60 }, (_, i) =>
        store.update(
          sharedFile,
          "projects/p/shared.json",
          (data) => void data.items.push(`server-${i}`),
        ),
      ),
    ]);
    const items = (
      await new LowdbDocumentStore(store.root).read(sharedFile, "projects/p/shared.json")
    ).items;
    expect(items).toHaveLength(180);
    expect(new Set(items).size).toBe(180);
    expect(await store.list("projects/p")).toEqual(["shared.json"]);
  }, 60_000);
});
