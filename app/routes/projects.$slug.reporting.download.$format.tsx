import type { LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  EXPORT_FORMATS,
  EXPORT_TYPES,
  isResearchError,
  renderExport,
} from "~/server/research.server";

/** Downloads an export. REFI-QDA files carry raw data, so they need the data capability. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const format = z.enum(EXPORT_FORMATS).safeParse(params.format);
  const raw = format.success && (format.data === "qdc" || format.data === "qdpx");
  const { project } = await requireProjectCapability(
    request,
    params.slug,
    raw ? "readData" : "readReports",
  );
  if (!format.success) throw new Response("Not found", { status: 404 });
  const network = z
    .enum(["members", "codes", "themes"])
    .catch("members")
    .parse(new URL(request.url).searchParams.get("network") ?? "members");
  let content: Awaited<ReturnType<typeof renderExport>>;
  try {
    content = await renderExport({ store, slug: project.slug, format: format.data, network });
  } catch (error) {
    // A file that cannot be made (an empty codebook as .qdc) is said plainly, not a server error.
    if (isResearchError(error) && error.code === "invalid-input")
      return new Response(error.message, {
        status: 422,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      });
    throw error;
  }
  const type = EXPORT_TYPES[format.data];
  const name = `${project.slug}${["gexf", "graphml", "csv"].includes(format.data) ? `-${network}` : ""}.${type.extension}`;
  const body = typeof content === "string" ? content : Buffer.from(content);
  return new Response(body, {
    headers: {
      "Content-Type": type.mime,
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "no-store",
    },
  });
}
