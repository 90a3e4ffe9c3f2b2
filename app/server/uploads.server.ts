import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  unstable_composeUploadHandlers as composeUploadHandlers,
  unstable_createFileUploadHandler as createFileUploadHandler,
  unstable_createMemoryUploadHandler as createMemoryUploadHandler,
  unstable_parseMultipartFormData as parseMultipartFormData,
  NodeOnDiskFile,
} from "@remix-run/node";

/** Largest single uploaded file; bigger dumps go through the CLI, which streams them from disk. */
export const MAX_UPLOAD_BYTES = 2 * 1024 ** 3;

/**
 * Stores uploaded files under a fresh temporary folder, keeping their original names (importers and
 * reports show them), and returns the form with the files' paths.
 */
export async function receiveUploads(request: Request): Promise<{ form: FormData; folder: string; files: string[] }> {
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
  const form = await parseMultipartFormData(request, handler);
  const files = form.getAll("files").flatMap((value) => (value instanceof NodeOnDiskFile ? [value.getFilePath()] : []));
  return { form, folder, files };
}

/** Removes the temporary folder of uploads that will not be imported. */
export async function discardUploads(folder: string): Promise<void> {
  const { rm } = await import("node:fs/promises");
  await rm(folder, { recursive: true, force: true });
}
