// Loaded before every unit test file (vitest setupFiles). Two things fail a test even when the code under
// test catches the error it caused: a console.error, and a network connection that leaves this machine.
// Connector tests answer from recorded files on a loopback server; PostgreSQL runs on loopback too.
import dns from "node:dns";
import net from "node:net";
import tls from "node:tls";
import { format } from "node:util";
import { afterEach } from "vitest";

const problems: string[] = [];

function fail(message: string): never {
  problems.push(message);
  throw new Error(message);
}

/** Takes the problems seen so far, so a test of these guards can expect them without failing. */
export function takeProblems(): string[] {
  return problems.splice(0);
}

afterEach(() => {
  if (problems.length === 0) return;
  const found = problems.splice(0);
  throw new Error(`The test did what tests may not:\n- ${found.join("\n- ")}`);
});

console.error = (...args: unknown[]) => {
  fail(`console.error: ${format(...args)}`);
};

function isLoopbackHost(host: string | undefined | null): boolean {
  if (host === undefined || host === null || host === "") return true; // Node's default is localhost
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (bare === "localhost" || bare.endsWith(".localhost")) return true;
  if (net.isIPv4(bare)) return bare.startsWith("127.") || bare === "0.0.0.0";
  if (net.isIPv6(bare)) return bare === "::1" || bare === "::" || /^::ffff:127\./.test(bare);
  return false;
}

/** The host a connect call names: `(port, host)`, `({ host, port })`, or a Unix socket path (local). */
function hostOf(args: unknown[]): string | null {
  let first = args[0];
  if (Array.isArray(first)) first = first[0]; // net's internal normalised [options, callback]
  if (typeof first === "object" && first !== null) {
    const options = first as { host?: string; path?: string };
    if (options.path) return null;
    return options.host ?? null;
  }
  if (typeof first === "string" && !/^\d+$/.test(first)) return null; // a Unix socket path
  return typeof args[1] === "string" ? args[1] : null;
}

function guard(where: string, args: unknown[]): void {
  const host = hostOf(args);
  if (!isLoopbackHost(host)) {
    fail(`network connection to ${host} (${where}): tests use recorded answers on loopback`);
  }
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(this: net.Socket, ...args: unknown[]) {
  guard("net.Socket.connect", args);
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof originalConnect;

const originalNetConnect = net.connect;
const guardedNetConnect = function connect(...args: unknown[]) {
  guard("net.connect", args);
  return (originalNetConnect as (...a: unknown[]) => net.Socket)(...args);
} as typeof net.connect;
net.connect = guardedNetConnect;
net.createConnection = guardedNetConnect;

const originalTlsConnect = tls.connect;
tls.connect = function connect(...args: unknown[]) {
  guard("tls.connect", args);
  return (originalTlsConnect as (...a: unknown[]) => tls.TLSSocket)(...args);
} as typeof tls.connect;

const originalLookup = dns.lookup;
dns.lookup = function lookup(hostname: string, ...rest: unknown[]) {
  if (!isLoopbackHost(hostname))
    fail(`DNS lookup of ${hostname}: tests use recorded answers on loopback`);
  return (originalLookup as (...a: unknown[]) => void)(hostname, ...rest);
} as typeof dns.lookup;

const originalPromisesLookup = dns.promises.lookup;
dns.promises.lookup = async function lookup(hostname: string, ...rest: unknown[]) {
  if (!isLoopbackHost(hostname))
    fail(`DNS lookup of ${hostname}: tests use recorded answers on loopback`);
  return (originalPromisesLookup as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest);
} as typeof dns.promises.lookup;
