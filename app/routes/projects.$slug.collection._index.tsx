import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import { Field, FormError, SelectField } from "~/components/field";
import { UploadForm } from "~/components/upload-form";
import { store } from "~/server/context.server";
import { env } from "~/server/env.server";
import { failForm, formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  DECLARABLE_ENCODINGS,
  IMPORT_FORMATS,
  IMPORTERS,
  listCommunitySummaries,
  listImports,
  startImportJob,
} from "~/server/research.server";
import { discardUploads, receiveUploads } from "~/server/uploads.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const [communities, imports] = await Promise.all([
    listCommunitySummaries({ store, slug: project.slug }),
    listImports({ store, slug: project.slug, limit: 20 }),
  ]);
  // Set by the rename page's redirect, so the researcher sees that the rename took.
  const search = new URL(request.url).searchParams;
  const renamed = search.get("renamed")?.slice(0, 200) ?? null;
  const merged = search.get("merged")?.slice(0, 200) ?? null;
  // Set by the remove-import page's redirect: how many posts went.
  const removedPosts = /^\d{1,9}$/.test(search.get("removedPosts") ?? "")
    ? Number(search.get("removedPosts"))
    : null;
  return {
    slug: project.slug,
    renamed,
    merged,
    removedPosts,
    formats: IMPORTERS.map((importer) => ({ value: importer.format, label: importer.label })),
    communities: communities.map((community) => ({
      id: community.id,
      name: community.name,
      platform: community.platform,
      posts: community.posts,
      threads: community.threads,
      withheldPosts: community.withheldPosts,
    })),
    imports: imports.map((entry) => ({
      id: entry.id,
      importedAt: entry.importedAt,
      format: entry.format,
      files: entry.files,
      posts: entry.posts,
      threads: entry.threads,
      members: entry.members,
      duplicates: entry.duplicates,
      skipped: entry.skipped,
    })),
  };
}

// Built when the action runs: the format and encoding lists come from the server module, absent from the
// browser bundle, and a schema built at module level would throw there as the route loads.
const importForm = () =>
  z.object({
    format: z.enum(IMPORT_FORMATS, { message: "Choose a format from the list." }).optional(),
    community: z.string().trim().max(200).default(""),
    skipInvalid: z.boolean().default(false),
    mapId: z.string().trim().default(""),
    mapAuthor: z.string().trim().default(""),
    mapBody: z.string().trim().default(""),
    mapThread: z.string().trim().default(""),
    mapTimestamp: z.string().trim().default(""),
    dateFormat: z.enum(["DD/MM", "MM/DD"], { message: "Choose DD/MM or MM/DD." }).optional(),
    encoding: z
      .enum(DECLARABLE_ENCODINGS, { message: "Choose an encoding from the list." })
      .optional(),
  });

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const { form, folder, files } = await receiveUploads(request);
    if (files.length === 0) {
      await discardUploads(folder);
      failForm("Choose at least one file to import.", "files");
    }
    let options: z.output<ReturnType<typeof importForm>>;
    try {
      // Only the text fields: the files were saved to the folder already and are never echoed back.
      const fields = new FormData();
      for (const [name, value] of form) if (typeof value === "string") fields.append(name, value);
      options = parseForm(fields, importForm());
    } catch (error) {
      await discardUploads(folder);
      throw error;
    }
    const job = startImportJob({
      dataDir: env.dataDir,
      slug: project.slug,
      userId: user.id,
      files,
      cleanup: folder,
      format: options.format || undefined,
      community: options.community || undefined,
      skipInvalid: options.skipInvalid,
      dateFormat: options.dateFormat || undefined,
      encoding: options.encoding || undefined,
      columns: {
        id: options.mapId || undefined,
        author: options.mapAuthor || undefined,
        body: options.mapBody || undefined,
        thread: options.mapThread || undefined,
        timestamp: options.mapTimestamp || undefined,
      },
    });
    return redirect(`/projects/${project.slug}/collection/jobs/${job.id}`);
  });
}

export default function ImportPage() {
  const { slug, renamed, merged, removedPosts, formats, communities, imports } =
    useLoaderData<typeof loader>();
  // Without JavaScript a refused upload comes back as this page: the options are filled in again (files
  // cannot be, browsers never prefill a file input).
  const sent = formState(useActionData<typeof action>());
  const { formError, fieldErrors } = sent;
  return (
    <div className="grid-2">
      <section className="card" aria-labelledby="import-heading">
        <h2 id="import-heading">Import community data</h2>
        <p className="muted small">
          Files as the platforms and research tools export them, unchanged. An import is
          all-or-nothing unless you choose to skip invalid records.
        </p>
        <UploadForm action={`/projects/${slug}/collection?index`}>
          <FormError message={formError} />
          <div className="field">
            <label htmlFor="files">Files</label>
            <input
              id="files"
              name="files"
              type="file"
              multiple
              required
              aria-invalid={fieldErrors.files ? true : undefined}
              aria-describedby="files-hint"
            />
            <span className="hint" id="files-hint">
              Reddit JSON/NDJSON, Discourse topic JSON, Hacker News, Mastodon statuses or
              outbox.json + actor.json, Stack Exchange Posts/Comments/Users.xml, mbox, Telegram
              result.json, X/Twitter v2, YouTube commentThreads, Zeeschuimer NDJSON, RSS/Atom, CSV.
              Or one REFI-QDA codebook (.qdc) or project (.qdpx) from ATLAS.ti, MAXQDA or NVivo.
            </span>
            {fieldErrors.files ? <span className="error">{fieldErrors.files}</span> : null}
          </div>
          <SelectField
            label="Format"
            name="format"
            defaultValue={sent.value("format", "")}
            error={fieldErrors.format}
            options={[{ value: "", label: "Detect automatically" }, ...formats]}
          />
          <Field
            label="Community name"
            name="community"
            defaultValue={sent.value("community")}
            error={fieldErrors.community}
            hint="Optional: otherwise taken from the data (subreddit, list, forum) or the file name."
          />
          <label>
            <input
              type="checkbox"
              name="skipInvalid"
              defaultChecked={sent.value("skipInvalid") === "on"}
            />{" "}
            Skip invalid records and list them in the report
          </label>
          <SelectField
            label="Encoding"
            name="encoding"
            defaultValue={sent.value("encoding", "")}
            error={fieldErrors.encoding}
            hint="Only for files that are not UTF-8 and carry no byte-order mark, such as old Latin-1 exports."
            options={[
              { value: "", label: "UTF-8 (or as the file's byte-order mark says)" },
              { value: "windows-1252", label: "Latin-1 / Windows-1252 (Western Europe)" },
              { value: "iso-8859-15", label: "ISO-8859-15 (Latin-9)" },
              { value: "iso-8859-2", label: "ISO-8859-2 (Central Europe)" },
              { value: "windows-1250", label: "Windows-1250 (Central Europe)" },
              { value: "windows-1251", label: "Windows-1251 (Cyrillic)" },
              { value: "koi8-r", label: "KOI8-R (Russian)" },
              { value: "shift_jis", label: "Shift JIS (Japanese)" },
              { value: "euc-jp", label: "EUC-JP (Japanese)" },
              { value: "gb18030", label: "GB18030 (Chinese)" },
              { value: "big5", label: "Big5 (Traditional Chinese)" },
              { value: "euc-kr", label: "EUC-KR (Korean)" },
              { value: "utf-16le", label: "UTF-16 little-endian, no mark" },
              { value: "utf-16be", label: "UTF-16 big-endian, no mark" },
            ]}
          />
          <details>
            <summary>CSV column mapping</summary>
            <p className="small muted">
              4CAT exports (id, thread_id, author, body, timestamp) need no mapping.
            </p>
            <div className="row">
              <Field label="Id column" name="mapId" defaultValue={sent.value("mapId")} />
              <Field
                label="Author column"
                name="mapAuthor"
                defaultValue={sent.value("mapAuthor")}
              />
              <Field label="Text column" name="mapBody" defaultValue={sent.value("mapBody")} />
              <Field
                label="Thread column"
                name="mapThread"
                defaultValue={sent.value("mapThread")}
              />
              <Field
                label="Time column"
                name="mapTimestamp"
                defaultValue={sent.value("mapTimestamp")}
              />
              <SelectField
                label="Dates like 02/01/2020"
                name="dateFormat"
                defaultValue={sent.value("dateFormat", "")}
                error={fieldErrors.dateFormat}
                options={[
                  { value: "", label: "Tell from the file (asks when it cannot)" },
                  { value: "DD/MM", label: "Day first (2 January)" },
                  { value: "MM/DD", label: "Month first (February 1)" },
                ]}
              />
            </div>
          </details>
          <button type="submit">Import</button>
        </UploadForm>
      </section>
      <section className="card" aria-labelledby="communities-heading">
        <h2 id="communities-heading">Communities in this project</h2>
        {renamed ? (
          <p className="notice" role="status">
            Renamed to “{renamed}”.
          </p>
        ) : null}
        {merged ? (
          <p className="notice" role="status">
            Merged into “{merged}”.
          </p>
        ) : null}
        {communities.length === 0 ? (
          <p className="muted">No data yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Community</th>
                <th className="num">Threads</th>
                <th className="num">Visible posts</th>
              </tr>
            </thead>
            <tbody>
              {communities.map((community) => (
                <tr key={community.id}>
                  <td>
                    <a href={`/projects/${slug}/collection/threads?community=${community.id}`}>
                      {community.name}
                    </a>
                    <br />
                    <span className="small muted">
                      {community.platform} ·{" "}
                      <Link
                        to={`/projects/${slug}/collection/communities/${community.id}`}
                        aria-label={`Rename or merge ${community.name}`}
                      >
                        rename or merge
                      </Link>
                    </span>
                  </td>
                  <td className="num">{community.threads}</td>
                  <td className="num">
                    {community.posts}
                    {community.withheldPosts > 0 ? (
                      <>
                        <br />
                        <span className="small muted">{community.withheldPosts} withheld</span>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {communities.some((community) => community.withheldPosts > 0) ? (
          <p className="small muted">
            Withheld posts are by members who opted out: they appear in no view, search, report or
            export.
          </p>
        ) : null}
      </section>
      <section className="card" aria-labelledby="imports-heading" style={{ gridColumn: "1 / -1" }}>
        <h2 id="imports-heading">Imports</h2>
        {removedPosts !== null ? (
          <p className="notice" role="status">
            The import was removed, with its {removedPosts.toLocaleString("en")} post
            {removedPosts === 1 ? "" : "s"} and what was made on them.
          </p>
        ) : null}
        {imports.length === 0 ? (
          <p className="muted">Nothing imported yet.</p>
        ) : (
          <table className="imports">
            <thead>
              <tr>
                <th>When</th>
                <th>Files</th>
                <th>Format</th>
                <th className="num">Posts</th>
                <th className="num">Threads</th>
                <th className="num">New members</th>
                <th className="num">Already present</th>
                <th className="num">Skipped</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {imports.map((entry) => (
                <tr key={entry.id}>
                  <td className="small">
                    <span className="nowrap">{entry.importedAt.slice(0, 10)}</span>
                    <br />
                    {entry.importedAt.slice(11, 16)}
                  </td>
                  <td className="small files">{entry.files.join(", ")}</td>
                  <td>{entry.format}</td>
                  <td className="num">{entry.posts}</td>
                  <td className="num">{entry.threads}</td>
                  <td className="num">{entry.members}</td>
                  <td className="num">{entry.duplicates}</td>
                  <td className="num">{entry.skipped}</td>
                  <td className="nowrap">
                    <Link
                      to={`/projects/${slug}/collection/imports/${entry.id}`}
                      aria-label={`Remove the import of ${entry.files.join(", ")}`}
                    >
                      Remove…
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
