import { createHmac } from "node:crypto";

const ADJECTIVES = [
  "amber",
  "brisk",
  "calm",
  "dusky",
  "eager",
  "fabled",
  "gentle",
  "hazel",
  "ivory",
  "jolly",
  "keen",
  "lucid",
  "mellow",
  "nimble",
  "olive",
  "plucky",
  "quiet",
  "rustic",
  "sable",
  "tawny",
  "umber",
  "vivid",
  "wry",
  "young",
  "zesty",
  "bold",
  "candid",
  "deft",
  "earnest",
  "frank",
  "glad",
  "hardy",
  "idle",
  "jade",
  "kind",
  "lively",
  "misty",
  "noble",
  "opal",
  "proud",
  "rapid",
  "sunny",
];
const NOUNS = [
  "heron",
  "otter",
  "lynx",
  "finch",
  "badger",
  "marten",
  "plover",
  "wren",
  "ibis",
  "fox",
  "hare",
  "kestrel",
  "lark",
  "moth",
  "newt",
  "orca",
  "puffin",
  "quail",
  "raven",
  "stoat",
  "tern",
  "urchin",
  "vole",
  "wolf",
  "yak",
  "zebu",
  "bison",
  "crane",
  "dingo",
  "egret",
  "ferret",
  "gecko",
  "hawk",
  "impala",
  "jay",
  "koala",
  "lemur",
  "mole",
  "narwhal",
  "owl",
  "pika",
  "robin",
];

/**
 * A stable pseudonym for a member: the same handle in the same project always gets the same name
 * ("Brisk Heron 41"), and the name reveals nothing about the handle without the project's secret salt.
 */
export function pseudonymFor(
  projectSalt: string,
  platform: string,
  memberKey: string,
  taken: { has(name: string): boolean },
): string {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const digest = createHmac("sha256", projectSalt)
      .update(`${platform}\u0000${memberKey}\u0000${attempt}`)
      .digest();
    const name = `${capitalize(ADJECTIVES[digest[0] % ADJECTIVES.length])} ${capitalize(NOUNS[digest[1] % NOUNS.length])} ${digest.readUInt16BE(2) % 100}`;
    if (!taken.has(name)) return name;
  }
  throw new Error("Could not find a free pseudonym");
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
