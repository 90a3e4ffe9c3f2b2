import { lookup as lookupOnce, type LookupAddress } from "node:dns";
import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { ResearchError } from "../shared/errors.js";

/**
 * Which hosts community discovery may call. A researcher can type a base URL (a Discourse forum, a
 * Mastodon server), so without a rule the server would fetch any address it is asked to, including its
 * own network (server-side request forgery). Only each connector's public API host and the hosts an
 * admin lists in NETNO_DISCOVERY_HOSTS (comma-separated `host` or `host:port`) are called. A host the
 * admin did not list must also resolve to public addresses only.
 */
const PUBLIC_API_HOSTS = new Set([
  "www.reddit.com",
  "reddit.com",
  "hn.algolia.com",
  "mastodon.social",
  "meta.discourse.org",
]);

/** NETNO_DISCOVERY_HOSTS, and the hosts of API roots an admin set (NETNO_REDDIT_URL and the like). */
function adminListedHosts(): Set<string> {
  const hosts = (process.env.NETNO_DISCOVERY_HOSTS ?? "")
    .split(",")
    .map((host) => host.trim().toLowerCase())
    .filter(Boolean);
  for (const variable of [
    "NETNO_REDDIT_URL",
    "NETNO_HN_URL",
    "NETNO_MASTODON_URL",
    "NETNO_DISCOURSE_URL",
  ]) {
    try {
      if (process.env[variable]) hosts.push(new URL(process.env[variable]).host.toLowerCase());
    } catch {
      // not a URL: the connector reports it when used
    }
  }
  return new Set(hosts);
}

const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["::ffff:0:0", 96],
  ["64:ff9b::", 96],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  NOT_PUBLIC.addSubnet(network, prefix, "ipv6");

function isPublicAddress(address: string): boolean {
  const family = isIP(address) === 6 ? "ipv6" : "ipv4";
  return !NOT_PUBLIC.check(address, family);
}

/** Refuses a URL discovery may not call; says why in a sentence, naming the field it came from. */
export async function assertDiscoveryTarget(url: URL): Promise<void> {
  const refuse = (why: string): never => {
    throw new ResearchError(
      "invalid-input",
      `Discovery does not call ${url.host}: ${why} An admin can allow a forum or server by adding it to ` +
        "NETNO_DISCOVERY_HOSTS.",
      { field: "baseUrl" },
    );
  };
  if (url.protocol !== "https:" && url.protocol !== "http:")
    refuse("only http(s) APIs are called.");
  if (url.username || url.password) refuse("a URL with credentials is not accepted.");
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const listed = adminListedHosts();
  if (listed.has(url.host.toLowerCase()) || listed.has(host)) return;
  if (!PUBLIC_API_HOSTS.has(host)) refuse("it is not one of the connectors' public API hosts.");
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (found) => found.map((entry) => entry.address),
        () => [] as string[],
      );
  if (addresses.some((address) => !isPublicAddress(address)))
    refuse("it resolves to a private or local address.");
}

/** How a host name becomes addresses: the system's resolver, or a stand-in in tests. */
export type Resolve = (host: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (host) =>
  new Promise((resolve, reject) =>
    lookupOnce(host, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/**
 * The address lookup of the connection itself: a host nobody listed must resolve to public addresses
 * at the moment the socket connects, not only when the URL was checked, so a DNS answer that changes
 * in between (DNS rebinding) cannot point the request at this server's own network.
 */
function publicOnlyLookup(resolve: Resolve): LookupFunction {
  return (host, options, callback) => {
    resolve(host).then(
      (addresses) => {
        const family = typeof options === "object" && options ? options.family : undefined;
        const usable = addresses.filter(
          (entry) => !family || family === 0 || entry.family === family,
        );
        if (usable.length === 0 || usable.some((entry) => !isPublicAddress(entry.address))) {
          const error = Object.assign(new Error(`${host} resolves to a private or local address`), {
            code: "EPRIVATEADDRESS",
          });
          callback(error, "", 0);
          return;
        }
        if (typeof options === "object" && options?.all) callback(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 0),
    );
  };
}

export type DiscoveryResponse = {
  status: number;
  header: (name: string) => string | null;
  text: string;
};

/** Answers larger than this are not an API page discovery needs; reading stops there. */
const MAX_RESPONSE_BYTES = 20 * 1024 * 1024;

/**
 * One GET to a discovery target, after `assertDiscoveryTarget`: no redirects followed, a timeout, a
 * size cap, and (for hosts an admin did not list) the public-address rule applied to the connection.
 * Errors carry the system's `code` (ENOTFOUND, ECONNREFUSED, EPRIVATEADDRESS, ETIMEDOUT) for the caller
 * to put in a sentence.
 */
export async function requestDiscoveryTarget(
  url: URL,
  {
    headers,
    timeoutMs,
    resolve = systemResolve,
  }: { headers: Record<string, string>; timeoutMs: number; resolve?: Resolve },
): Promise<DiscoveryResponse> {
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const listed = adminListedHosts();
  const pinned = !(listed.has(url.host.toLowerCase()) || listed.has(host)) && !isIP(host);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((done, fail) => {
    const request = client.get(
      url,
      { headers, timeout: timeoutMs, ...(pinned ? { lookup: publicOnlyLookup(resolve) } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) {
            request.destroy(Object.assign(new Error("response too large"), { code: "ETOOLARGE" }));
            return;
          }
          chunks.push(chunk);
        });
        response.on("error", fail);
        response.on("end", () =>
          done({
            status: response.statusCode ?? 0,
            header: (name) => {
              const value = response.headers[name.toLowerCase()];
              return Array.isArray(value) ? value.join(", ") : (value ?? null);
            },
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    request.on("timeout", () =>
      request.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })),
    );
    request.on("error", fail);
  });
}
