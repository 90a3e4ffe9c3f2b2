import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
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
