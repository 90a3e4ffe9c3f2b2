import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * The cookie-signing secret: `NETNO_SESSION_SECRET` when set, otherwise one generated on first start and
 * kept in the data directory (mode 0600), so sessions survive restarts.
 */
export async function loadSessionSecret(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env.NETNO_SESSION_SECRET?.trim();
  if (fromEnv) return fromEnv;
  const secretFile = path.join(dataDir, "session-secret");
  try {
    const stored = (await readFile(secretFile, "utf8")).trim();
    if (stored.length >= 32) return stored;
  } catch {
    // not created yet
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  try {
    await writeFile(secretFile, secret, { mode: 0o600, flag: "wx" });
    return secret;
  } catch {
    // Another process created it first: use theirs.
    return (await readFile(secretFile, "utf8")).trim();
  }
}
