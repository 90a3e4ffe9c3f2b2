// The upload form's action: its options (format, encoding, date order) are checked before a job
// starts; uploads that are too large, or cut off halfway, answer a message and leave nothing behind.
import { readdir } from "node:fs/promises";
import os from "node:os";
import { afterEach, expect, test } from "vitest";
import { buildProject } from "../factories.js";
import {
  bodyOf,
  buildAppStore,
  ORIGIN,
  reloadAppForEachTest,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

afterEach(() => {
  delete process.env.NETNO_MAX_UPLOAD_BYTES;
});

async function uploadFolders(): Promise<string[]> {
  return (await readdir(os.tmpdir())).filter((name) => name.startsWith("netno-upload-")).sort();
}

async function uploadPage() {
  const { store, owner } = await buildAppStore();
  const { slug } = await buildProject(store, owner);
  const cookie = await signInCookie(owner.id);
  const route = await import("../../app/routes/projects.$slug.collection._index");
  const send = async (body: BodyInit, headers: Record<string, string> = {}) => {
    try {
      return await route.action({
        request: new Request(`${ORIGIN}/projects/${slug}/collection`, {
          method: "POST",
          headers: { cookie, origin: ORIGIN, ...headers },
          body,
          duplex: "half",
        } as RequestInit),
        params: { slug },
        context: {},
      });
    } catch (thrown) {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    }
  };
  return { send };
}

function formWith(fields: Record<string, string>, file = "id,author,body\n1,ana,hello\n") {
  const form = new FormData();
  form.append("files", new Blob([file], { type: "text/csv" }), "posts.csv");
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}

test("options outside the form's choices are refused before any job starts; no upload is left behind", async () => {
  const { send } = await uploadPage();
  const before = await uploadFolders();
  const refused: Array<[Record<string, string>, string, string]> = [
    [{ encoding: "ebcdic" }, "encoding", "Choose an encoding from the list."],
    [{ dateFormat: "YYYY/DD" }, "dateFormat", "Choose DD/MM or MM/DD."],
    [{ format: "word" }, "format", "Choose a format from the list."],
  ];
  for (const [fields, field, message] of refused) {
    const answer = await send(formWith(fields));
    expect(statusOf(answer), JSON.stringify(fields)).toBe(400);
    // Under the field that was wrong, with the other options echoed back and no file in the echo.
    expect(bodyOf(answer)).toMatchObject({
      fieldErrors: { [field]: message },
      result: { initialValue: fields },
    });
    expect(JSON.stringify(bodyOf(answer))).not.toContain("posts.csv");
  }
  const noFile = new FormData();
  noFile.append("encoding", "windows-1252");
  expect(bodyOf(await send(noFile))).toMatchObject({
    fieldErrors: { files: "Choose at least one file to import." },
  });
  expect(await uploadFolders()).toEqual(before);
});

test("an upload over the total limit, or cut off halfway, is a message under the files field and leaves no temporary files", async () => {
  const { send } = await uploadPage();
  const before = await uploadFolders();
  process.env.NETNO_MAX_UPLOAD_BYTES = "2000";
  const big = await send(formWith({}, `id,author,body\n${"1,ana,hello\n".repeat(400)}`));
  expect(statusOf(big)).toBe(400);
  expect(bodyOf(big)).toMatchObject({
    fieldErrors: { files: expect.stringMatching(/more than the 0\.00 GB one upload may hold/) },
  });
  delete process.env.NETNO_MAX_UPLOAD_BYTES;

  // A body that stops in the middle of a file, as when the browser is closed during the upload.
  const boundary = "----netnoTestBoundary";
  const start = new TextEncoder().encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="dump.csv"\r\n` +
      `Content-Type: text/csv\r\n\r\nid,author,body\n${"1,ana,hello\n".repeat(1000)}`,
  );
  const cut = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(start);
      controller.error(new Error("connection reset"));
    },
  });
  const aborted = await send(cut, { "content-type": `multipart/form-data; boundary=${boundary}` });
  expect(statusOf(aborted)).toBe(400);
  expect(bodyOf(aborted)).toMatchObject({
    fieldErrors: { files: expect.stringMatching(/did not arrive whole/) },
  });
  expect(JSON.stringify(bodyOf(aborted))).not.toMatch(/netno-upload-|\/tmp/);
  expect(await uploadFolders()).toEqual(before);
});
