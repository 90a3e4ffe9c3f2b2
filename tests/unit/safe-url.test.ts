import { writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { projectSql } from "../../research/collection/corpus.js";
import { safeWebUrl } from "../../research/shared/safe-url.js";
import { buildProject, buildStore, buildUser, scratchDir } from "../factories.js";

test("only absolute http(s) URLs are kept as links", () => {
  expect(safeWebUrl("https://example.org/t/1")).toBe("https://example.org/t/1");
  expect(safeWebUrl(" http://example.org ")).toBe("http://example.org/");
  for (const hostile of [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "/relative/path",
    "//evil.example/x",
    "",
    null,
    undefined,
  ])
    expect(safeWebUrl(hostile), String(hostile)).toBeNull();
});

test("an imported javascript: or data: URL is not stored as a post's or thread's link", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const folder = await scratchDir("netno-urls-");
  const file = path.join(folder, "posts.csv");
  await writeFile(
    file,
    [
      "id,thread,parent,author,body,timestamp,title,url",
      "1,t1,,ana,first post,2024-06-01T10:00:00Z,Hello,javascript:alert(document.cookie)",
      '2,t1,1,bo,a reply,2024-06-01T11:00:00Z,,"data:text/html,<script>alert(1)</script>"',
      "3,t2,,cy,safe one,2024-06-02T10:00:00Z,Other,https://forum.example/t/2",
    ].join("\n"),
  );
  const report = await importFiles({ store, slug, files: [file] });
  expect(report.posts).toBe(3);
  const { db, projectId } = await projectSql({ store, slug });
  const stored = [
    ...(await db.selectFrom("posts").select("url").where("project_id", "=", projectId).execute()),
    ...(await db.selectFrom("threads").select("url").where("project_id", "=", projectId).execute()),
  ];
  const urls = stored.map((row) => row.url);
  expect(urls).toContain("https://forum.example/t/2");
  expect(urls.some((url) => url !== null && !/^https?:/.test(url))).toBe(false);
});
