import { z } from "zod";
import { ResearchError } from "../shared/errors.js";
import { assertDiscoveryTarget, requestDiscoveryTarget, type DiscoveryResponse } from "./outbound-hosts.js";

/** A community a connector proposes; the researcher decides whether to add it as a candidate. */
export type ProposedCandidate = { name: string; platform: string; url: string; size: number | null; description: string; language: string; origin: string };

export type ConnectorName = "reddit" | "hn" | "mastodon" | "discourse";

/** Public API roots; each can be overridden (tests point them at a local server serving recorded answers). */
export const DEFAULT_BASE_URLS: Record<ConnectorName, string> = {
  reddit: process.env.NETNO_REDDIT_URL || "https://www.reddit.com",
  hn: process.env.NETNO_HN_URL || "https://hn.algolia.com",
  mastodon: process.env.NETNO_MASTODON_URL || "https://mastodon.social",
  discourse: process.env.NETNO_DISCOURSE_URL || "https://meta.discourse.org",
};

const TIMEOUT_MS = 10_000;
const USER_AGENT = "NetnographyWorkbench/0.1 (community discovery for academic research)";

async function fetchJson(connector: string, url: URL, timeoutMs: number): Promise<unknown> {
  await assertDiscoveryTarget(url);
  let response: DiscoveryResponse;
  try {
    // Redirects are not followed: one could lead off the allowed host (to the server's own network).
    response = await requestDiscoveryTarget(url, { headers: { "User-Agent": USER_AGENT, Accept: "application/json" }, timeoutMs });
  } catch (error) {
    const code = error && typeof error === "object" && "code" in error ? String(error.code) : "";
    if (code === "ETIMEDOUT") {
      throw new ResearchError("import-failed", `${connector} did not answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} seconds`} (${url.origin}). Try again later.`);
    }
    if (code === "EPRIVATEADDRESS") {
      throw new ResearchError("invalid-input", `Discovery does not call ${url.host}: it resolves to a private or local address. An admin can allow a forum or server by adding it to NETNO_DISCOVERY_HOSTS.`, { field: "baseUrl" });
    }
    // The system's own words ("getaddrinfo ENOTFOUND", "ECONNREFUSED") mean nothing to a researcher.
    const why = code === "ENOTFOUND" || code === "EAI_AGAIN" ? "its name could not be looked up (is this server offline?)" : code === "ECONNREFUSED" ? "nothing answered at that address" : code === "ECONNRESET" ? "the connection was cut" : code === "ETOOLARGE" ? "its answer was larger than any API page (20 MB)" : code.startsWith("CERT") || code.includes("TLS") || code.includes("SSL") || code.includes("CERT") ? "its security certificate was not accepted" : "the network did not let the request through";
    throw new ResearchError("import-failed", `Could not reach ${connector} from this server (${url.host}): ${why}. Try again later, or ask an admin whether this server may reach the internet.`);
  }
  if (response.status === 429) {
    const retry = response.header("retry-after");
    throw new ResearchError("rate-limited", `${connector} is rate-limiting requests (HTTP 429)${retry ? `; it asks to wait ${retry} seconds` : ""}. Try again later.`);
  }
  if (response.status >= 300 && response.status < 400)
    throw new ResearchError("import-failed", `${connector} answered with a redirect (HTTP ${response.status}), which discovery does not follow: check the base URL.`);
  if (response.status < 200 || response.status >= 300) throw new ResearchError("import-failed", `${connector} answered HTTP ${response.status} for ${url.pathname}.`);
  const text = response.text;
  try {
    return JSON.parse(text);
  } catch {
    // The body is not echoed: it could be a page of a network the person may not see.
    throw new ResearchError("import-failed", `${connector} sent a response that is not JSON: the API may have changed or the base URL is wrong.`);
  }
}

function expectShape<T extends z.ZodType>(connector: string, schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ResearchError("import-failed", `${connector} sent an unexpected response (at ${issue.path.join(".") || "top level"}: ${issue.message}).`);
  }
  return parsed.data;
}

const RedditSubreddits = z.object({
  data: z.object({
    children: z.array(z.object({
      data: z.object({
        display_name_prefixed: z.string(), url: z.string(), subscribers: z.number().nullable().optional(),
        public_description: z.string().nullable().optional(), lang: z.string().nullable().optional(), over18: z.boolean().optional(), subreddit_type: z.string().optional(),
      }).loose(),
    })),
  }),
});

const AlgoliaSearch = z.object({
  hits: z.array(z.object({ objectID: z.string(), title: z.string().nullable().optional(), num_comments: z.number().nullable().optional(), created_at: z.string().optional(), url: z.string().nullable().optional() }).loose()),
  nbHits: z.number().optional(),
});

const MastodonStatuses = z.array(z.object({ id: z.string(), created_at: z.string(), account: z.object({ acct: z.string() }).loose(), language: z.string().nullable().optional() }).loose());

const DiscourseSearch = z.object({
  topics: z.array(z.object({ id: z.number(), title: z.string(), slug: z.string(), posts_count: z.number().optional(), created_at: z.string().optional() }).loose()).optional(),
  posts: z.array(z.unknown()).optional(),
});

/**
 * Queries one public API for the project's keywords and proposes candidate communities. Errors (network,
 * rate limits, unexpected answers, timeouts) come back as messages a researcher can act on.
 */
export async function searchCommunities({ connector, query, baseUrl, timeoutMs = TIMEOUT_MS }: { connector: ConnectorName; query: string; baseUrl?: string; timeoutMs?: number }): Promise<ProposedCandidate[]> {
  const q = query.trim();
  if (!q) throw new ResearchError("invalid-input", "Add keywords to the objectives (or type a query) before searching.", { field: "query" });
  let base: URL;
  try {
    base = new URL(baseUrl || DEFAULT_BASE_URLS[connector]);
  } catch {
    throw new ResearchError("invalid-input", `"${baseUrl}" is not a URL.`, { field: "baseUrl" });
  }
  const at = (path: string, params: Record<string, string>) => {
    const url = new URL(path.replace(/^\//, ""), base.href.endsWith("/") ? base.href : `${base.href}/`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url;
  };
  switch (connector) {
    case "reddit": {
      const body = expectShape("Reddit", RedditSubreddits, await fetchJson("Reddit", at("/subreddits/search.json", { q, limit: "25", include_over_18: "off" }), timeoutMs));
      return body.data.children.map(({ data }) => ({
        name: data.display_name_prefixed, platform: "reddit", url: new URL(data.url, "https://www.reddit.com").href, size: data.subscribers ?? null,
        description: `${data.public_description ?? ""}${data.subreddit_type && data.subreddit_type !== "public" ? ` (${data.subreddit_type})` : ""}`.trim(),
        language: data.lang ?? "", origin: "reddit search",
      }));
    }
    case "hn": {
      const body = expectShape("Hacker News", AlgoliaSearch, await fetchJson("Hacker News", at("/api/v1/search", { query: q, tags: "story", hitsPerPage: "25" }), timeoutMs));
      return body.hits
        .filter((hit) => (hit.num_comments ?? 0) > 0)
        .map((hit) => ({
          name: `HN: ${hit.title ?? hit.objectID}`, platform: "hackernews", url: `https://news.ycombinator.com/item?id=${hit.objectID}`, size: hit.num_comments ?? null,
          description: `Discussion with ${hit.num_comments ?? 0} comments${hit.created_at ? `, ${hit.created_at.slice(0, 10)}` : ""}`, language: "en", origin: "hn algolia search",
        }));
    }
    case "mastodon": {
      const tag = q.split(/\s+/)[0].replace(/^#/, "").replace(/[^\p{L}\p{N}_]/gu, "");
      if (!tag) throw new ResearchError("invalid-input", "A hashtag search needs a word.", { field: "query" });
      const statuses = expectShape("Mastodon", MastodonStatuses, await fetchJson("Mastodon", at(`/api/v1/timelines/tag/${encodeURIComponent(tag)}`, { limit: "40" }), timeoutMs));
      if (statuses.length === 0) return [];
      const accounts = new Set(statuses.map((status) => status.account.acct));
      const languages = [...new Set(statuses.map((status) => status.language).filter(Boolean))];
      return [{
        name: `#${tag} on ${base.host}`, platform: "mastodon", url: `${base.origin}/tags/${encodeURIComponent(tag)}`, size: accounts.size,
        description: `${statuses.length} recent posts by ${accounts.size} accounts, latest ${statuses[0].created_at.slice(0, 10)}`, language: languages.join(", "), origin: "mastodon hashtag timeline",
      }];
    }
    case "discourse": {
      const body = expectShape("Discourse", DiscourseSearch, await fetchJson("Discourse", at("/search.json", { q }), timeoutMs));
      return (body.topics ?? []).map((topic) => ({
        name: topic.title, platform: "discourse", url: `${base.origin}/t/${topic.slug}/${topic.id}`, size: topic.posts_count ?? null,
        description: `Topic on ${base.host}${topic.posts_count ? ` with ${topic.posts_count} posts` : ""}`, language: "", origin: "discourse search",
      }));
    }
  }
}
