import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  unstable_composeUploadHandlers as composeUploadHandlers,
  unstable_createFileUploadHandler as createFileUploadHandler,
  unstable_createMemoryUploadHandler as createMemoryUploadHandler,
  unstable_parseMultipartFormData as parseMultipartFormData,
  MaxPartSizeExceededError,
  NodeOnDiskFile,
} from "@remix-run/node";
import { isResearchError, ResearchError } from "~/server/research.server";

/** Largest single uploaded file; bigger dumps go through the CLI, which streams them from disk. */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

/** Largest upload as a whole (every file of one form): NETNO_MAX_UPLOAD_BYTES, default 4 GB. */
export function maxUploadTotalBytes(): number {
  const configured = Number(process.env.NETNO_MAX_UPLOAD_BYTES);
  return Number.isFinite(configured) && configured > 0 ? configured : 4 * 1024 ** 3;
}

/** Files in one upload: a Stack Exchange dump folder holds eight; a mailing list's months, a few hundred. */
export const MAX_UPLOAD_FILES = 500;

const gigabytes = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(bytes < 1024 ** 3 ? 2 : 1)} GB`;

/**
 * Stores uploaded files under a fresh temporary folder, keeping their original names (importers and
 * reports show them), and returns the form with the files' paths.
 */
export async function receiveUploads(request: Request): Promise<{ form: FormData; folder: string; files: string[] }> {
  const total = maxUploadTotalBytes();
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > total)
    throw new ResearchError("invalid-input", `This upload is ${gigabytes(declared)}, more than the ${gigabytes(total)} one upload may hold: import large dumps with netno import on the server, or upload fewer files at once.`, { field: "files" });
  const folder = await mkdtemp(path.join(os.tmpdir(), "netno-upload-"));
  const used = new Set<string>();
  const handler = composeUploadHandlers(
    createFileUploadHandler({
      directory: folder,
      maxPartSize: MAX_UPLOAD_BYTES,
      avoidFileConflicts: false,
      file: ({ filename }) => {
        let name = path.basename(filename).replace(/[^\p{L}\p{N}._ -]/gu, "_").slice(0, 120) || "upload";
        for (let n = 2; used.has(name); n++) name = `${n}-${name}`;
        used.add(name);
        return name;
      },
    }),
    createMemoryUploadHandler({ maxPartSize: 100_000 }),
  );
  let received = 0;
  let count = 0;
  const counted: typeof handler = async (part) => {
    if (part.filename && ++count > MAX_UPLOAD_FILES)
      throw new ResearchError("invalid-input", `One upload takes at most ${MAX_UPLOAD_FILES} files.`, { field: "files" });
    const result = await handler({
      ...part,
      data: (async function* () {
        for await (const chunk of part.data) {
          received += chunk.length;
          if (received > total)
            throw new ResearchError("invalid-input", `This upload is more than the ${gigabytes(total)} one upload may hold: import large dumps with netno import on the server.`, { field: "files" });
          yield chunk;
        }
      })(),
    });
    return result;
  };
  try {
    const form = await parseMultipartFormData(request, counted);
    const files = form.getAll("files").flatMap((value) => (value instanceof NodeOnDiskFile ? [value.getFilePath()] : []));
    return { form, folder, files };
  } catch (error) {
    // An upload cut off halfway (the browser closed, the limit reached) leaves nothing in the temporary folder.
    await rm(folder, { recursive: true, force: true });
    if (error instanceof MaxPartSizeExceededError)
      throw new ResearchError("invalid-input", `A file is larger than the ${gigabytes(MAX_UPLOAD_BYTES)} one uploaded file may be: import it with netno import on the server.`, { field: "files" });
    if (isResearchError(error)) throw error;
    throw new ResearchError("invalid-input", "The upload did not arrive whole (the connection was cut?). Try again.", { field: "files" });
  }
}

/** Removes the temporary folder of uploads that will not be imported. */
export async function discardUploads(folder: string): Promise<void> {
  const { rm } = await import("node:fs/promises");
  await rm(folder, { recursive: true, force: true });
}
