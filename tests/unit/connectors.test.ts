import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { searchCommunities } from "../../research/discovery/index.js";
import { requestDiscoveryTarget } from "../../research/discovery/outbound-hosts.js";
import { isResearchError } from "../../research/shared/errors.js";

const RECORDED = path.resolve(__dirname, "../fixtures/connectors");
let server: Server;
let base = "";
let lastQuery: URLSearchParams | null = null;
let internal: Server;
let internalBase = "";
let internalHits = 0;

/** Serves recorded API answers in each API's real shape, plus the failures connectors must survive. */
beforeAll(async () => {
  const routes: Record<string, () => Promise<{ status: number; body: string; headers?: Record<string, string> }>> = {
    "/reddit/subreddits/search.json": async () => ({ status: 200, body: await readFile(path.join(RECORDED, "reddit-subreddits.json"), "utf8") }),
    "/empty/subreddits/search.json": async () => ({ status: 200, body: await readFile(path.join(RECORDED, "reddit-empty.json"), "utf8") }),
    "/limited/subreddits/search.json": async () => ({ status: 429, body: "Too Many Requests", headers: { "retry-after": "60" } }),
    "/broken/subreddits/search.json": async () => ({ status: 200, body: "<html>Our CDN is down</html>" }),
    "/changed/subreddits/search.json": async () => ({ status: 200, body: JSON.stringify({ kind: "Listing", data: { items: [] } }) }),
    "/hn/api/v1/search": async () => ({ status: 200, body: await readFile(path.join(RECORDED, "hn-search.json"), "utf8") }),
    "/masto/api/v1/timelines/tag/vanlife": async () => ({ status: 200, body: await readFile(path.join(RECORDED, "mastodon-tag.json"), "utf8") }),
    "/forum/search.json": async () => ({ status: 200, body: await readFile(path.join(RECORDED, "discourse-search.json"), "utf8") }),
    "/moved/search.json": async () => ({ status: 302, body: "", headers: { location: `${internalBase}/search.json` } }),
  };
  server = createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    lastQuery = url.searchParams;
    if (url.pathname.startsWith("/slow/")) return; // never answers: the connector must time out
    const route = routes[url.pathname];
    if (!route) {
      response.writeHead(404).end("not found");
      return;
    }
    const answer = await route();
    response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  // The recorded-answers server stands for a public API an admin allowed; the internal one for a service
  // on the server's own network that discovery must never reach.
  process.env.NETNO_DISCOVERY_HOSTS = new URL(base).host;
  internal = createServer((_request, response) => {
    internalHits++;
    response.writeHead(200, { "content-type": "application/json" }).end('{"secret":"internal"}');
  });
  await new Promise<void>((resolve) => internal.listen(0, "127.0.0.1", resolve));
  const internalAddress = internal.address();
  internalBase = `http://127.0.0.1:${typeof internalAddress === "object" && internalAddress ? internalAddress.port : 0}`;
});

afterAll(async () => {
  delete process.env.NETNO_DISCOVERY_HOSTS;
  for (const one of [server, internal]) {
    one.closeAllConnections();
    await new Promise((resolve) => one.close(resolve));
  }
});

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(isResearchError(error)).toBe(true);
  return error as Error & { code: string };
}

test("reddit subreddit search proposes communities with their size", async () => {
  const proposals = await searchCommunities({ connector: "reddit", query: "vanlife solar", baseUrl: `${base}/reddit` });
  expect(lastQuery?.get("q")).toBe("vanlife solar");
  expect(proposals).toEqual([
    expect.objectContaining({ name: "r/VanLife", platform: "reddit", url: "https://www.reddit.com/r/VanLife/", size: 389213, language: "en" }),
    expect.objectContaining({ name: "r/vandwellers", size: 512000 }),
  ]);
});

test("hacker news search proposes discussions that have comments", async () => {
  const proposals = await searchCommunities({ connector: "hn", query: "vanlife", baseUrl: `${base}/hn` });
  expect(proposals).toHaveLength(1);
  expect(proposals[0]).toMatchObject({ name: "HN: Living in a van as a software engineer", url: "https://news.ycombinator.com/item?id=39123456", size: 142 });
});

test("a mastodon hashtag timeline becomes one candidate with its accounts counted", async () => {
  const proposals = await searchCommunities({ connector: "mastodon", query: "#vanlife", baseUrl: `${base}/masto` });
  expect(proposals).toEqual([expect.objectContaining({ name: "#vanlife on 127.0.0.1:" + base.split(":").at(-1), size: 2, language: "en, de" })]);
});

test("discourse /search.json proposes topics", async () => {
  const proposals = await searchCommunities({ connector: "discourse", query: "solar", baseUrl: `${base}/forum` });
  expect(proposals).toEqual([expect.objectContaining({ name: "Solar charge controller settings", size: 17, url: `${base}/t/solar-charge-controller-settings/42` })]);
});

test("an empty answer proposes nothing", async () => {
  expect(await searchCommunities({ connector: "reddit", query: "zzz", baseUrl: `${base}/empty` })).toEqual([]);
});

test("429 says the API is rate-limiting and how long to wait", async () => {
  const error = await failure(searchCommunities({ connector: "reddit", query: "x", baseUrl: `${base}/limited` }));
  expect(error.code).toBe("rate-limited");
  expect(error.message).toMatch(/rate-limiting.*wait 60 seconds/);
});

test("malformed JSON and unexpected shapes are clear messages", async () => {
  expect((await failure(searchCommunities({ connector: "reddit", query: "x", baseUrl: `${base}/broken` }))).message).toMatch(/not JSON/);
  expect((await failure(searchCommunities({ connector: "reddit", query: "x", baseUrl: `${base}/changed` }))).message).toMatch(/unexpected response \(at data\.children/);
});

test("a timeout and an unreachable host are clear messages, not crashes", async () => {
  expect((await failure(searchCommunities({ connector: "hn", query: "x", baseUrl: `${base}/slow`, timeoutMs: 300 }))).message).toMatch(/did not answer within 300 ms/);
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const freePort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const closed = `http://127.0.0.1:${freePort}`;
  process.env.NETNO_DISCOVERY_HOSTS += `,${new URL(closed).host}`;
  const unreachable = (await failure(searchCommunities({ connector: "hn", query: "x", baseUrl: closed }))).message;
  expect(unreachable).toMatch(/Could not reach Hacker News from this server \(127\.0\.0\.1:\d+\): nothing answered at that address/);
  expect(unreachable).not.toMatch(/ECONNREFUSED|getaddrinfo/);
  process.env.NETNO_DISCOVERY_HOSTS = new URL(base).host;
  expect((await failure(searchCommunities({ connector: "hn", query: "  ", baseUrl: base }))).message).toMatch(/keywords/);
});

test("discovery never calls a host it was not allowed, the server's own network, or a redirect off the allowed host", async () => {
  for (const baseUrl of [internalBase, "http://localhost:80", "http://169.254.169.254/latest", "http://[::1]:8080", "https://example.com", "file:///etc/passwd"]) {
    const error = await failure(searchCommunities({ connector: "discourse", query: "solar", baseUrl }));
    expect(error.code, baseUrl).toBe("invalid-input");
    expect(error.message, baseUrl).toMatch(/Discovery does not call/);
  }
  const redirected = await failure(searchCommunities({ connector: "discourse", query: "solar", baseUrl: `${base}/moved` }));
  expect(redirected.message).toMatch(/redirect \(HTTP 302\), which discovery does not follow/);
  expect(internalHits).toBe(0);
  // A response that is not JSON is described, never echoed.
  const broken = await failure(searchCommunities({ connector: "reddit", query: "x", baseUrl: `${base}/broken` }));
  expect(broken.message).not.toMatch(/CDN/);
});

test("a connector host whose name points at this server's network when the socket connects is refused then (DNS rebinding)", async () => {
  const port = new URL(internalBase).port;
  // A name nobody listed (standing for a connector's own host, which the URL check lets through) whose
  // lookup at connection time answers with loopback, as a rebinding DNS server would the second time.
  const rebinding = new URL(`http://localhost:${port}/api/v1/timelines/tag/vanlife`);
  const before = internalHits;
  const refused = await requestDiscoveryTarget(rebinding, {
    headers: {},
    timeoutMs: 2_000,
    resolve: async () => [{ address: "127.0.0.1", family: 4 }],
  }).then(
    () => null,
    (error: NodeJS.ErrnoException) => error,
  );
  expect(refused?.code).toBe("EPRIVATEADDRESS");
  expect(internalHits).toBe(before);
  // An admin-listed host is called where it resolves (the recorded API server on loopback).
  const listed = await requestDiscoveryTarget(new URL(`${base}/forum/search.json?q=solar`), {
    headers: {},
    timeoutMs: 2_000,
    resolve: async () => [{ address: "10.0.0.1", family: 4 }],
  });
  expect(listed.status).toBe(200);
});
