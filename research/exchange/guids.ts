import { createHash } from "node:crypto";

/** Our namespace for REFI-QDA GUIDs (a fixed random UUID): the same id always exports as the same GUID. */
const NAMESPACE = "5c0e9a7e-3f1b-4b7e-9c1d-6f2a8e4b1d20";

/** RFC 9562 UUID version 5 (SHA-1, name-based) of `name` in our namespace. */
export function guidFor(kind: string, id: string): string {
  const namespace = Buffer.from(NAMESPACE.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(namespace).update(`${kind}:${id}`).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function isGuid(value: string): boolean {
  return /^\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?$/i.test(value);
}
