import os from "node:os";
import path from "node:path";

/**
 * Communities are named from the data (the site, the list, the subreddit, the forum, the channel). A
 * folder name is a fallback only when it is a folder the person chose: never the temporary folder an
 * upload was saved in (`netno-upload-khrKpI`), which changes on every upload and would make the same
 * dump a new community each time.
 */
export function isTemporaryFolder(folder: string): boolean {
  const resolved = path.resolve(folder);
  const name = path.basename(resolved);
  if (/^netno-upload-/i.test(name)) return true;
  // The system's temporary folder itself, or a folder a temp-file library made there (tmp-1234-abc).
  if (resolved === path.resolve(os.tmpdir()) || /^(tmp|temp)$/i.test(name)) return true;
  return /^tmp[-_]/i.test(name) && path.dirname(resolved) === path.resolve(os.tmpdir());
}

/** The name of the folder a file is in, when that folder is one the person chose; otherwise null. */
export function chosenFolderName(file: string): string | null {
  const folder = path.dirname(path.resolve(file));
  if (isTemporaryFolder(folder)) return null;
  const name = path.basename(folder);
  return name && name !== path.sep ? name : null;
}

/** The hosts of the Stack Exchange network: every site is one of these or a subdomain of one. */
const NETWORK =
  /(?:^|\.)(?:stackexchange\.com|stackoverflow\.com|superuser\.com|serverfault\.com|askubuntu\.com|mathoverflow\.net|stackapps\.com)$/;
/** Hosts of the network that are not question-and-answer sites. */
const NOT_A_SITE = /^(?:chat|api|data|area51|openid|blog|stackstatus|elections|careers|jobs)\./;
/** A link to a question or an answer: `/questions/12/…`, `/q/12`, `/a/34`. */
const CONTENT_LINK =
  /(?:https?:)?\/\/(?:www\.)?([a-z0-9][a-z0-9.-]*[a-z0-9])\.?(?::\d+)?\/(?:questions|q|a)\/\d+/gi;
/** Every question of a per-site meta carries one of these tags (the network requires it). */
const META_TAGS = /<(?:discussion|bug|feature-request|support)>/;

function isMetaHost(host: string): boolean {
  return host.startsWith("meta.") || host.endsWith(".meta.stackexchange.com");
}
/** conlang.stackexchange.com → conlang.meta.stackexchange.com; stackoverflow.com → meta.stackoverflow.com. */
function metaOf(host: string): string {
  return host.endsWith(".stackexchange.com")
    ? host.replace(/\.stackexchange\.com$/, ".meta.stackexchange.com")
    : `meta.${host}`;
}
/** The main site of a per-site meta; null for Meta Stack Exchange, the network's own. */
function mainOf(host: string): string | null {
  if (host === "meta.stackexchange.com") return null;
  if (host.endsWith(".meta.stackexchange.com"))
    return host.replace(/\.meta\.stackexchange\.com$/, ".stackexchange.com");
  return host.startsWith("meta.") ? host.slice("meta.".length) : null;
}

/**
 * Learns which Stack Exchange site a dump comes from. Posts and comments link to their own site's
 * questions more than to any other; a meta's questions all carry a meta tag, and its posts link to its
 * main site as much as to itself, so the two are counted together and the dump's kind decides which.
 */
export class StackExchangeSiteCounter {
  private readonly links = new Map<string, number>();
  private questions = 0;
  private metaQuestions = 0;

  /** A question's tags (`<discussion><bug>`), as Posts.xml gives them. */
  addQuestion(tags: string | undefined): void {
    this.questions++;
    if (tags && META_TAGS.test(tags)) this.metaQuestions++;
  }

  /** The HTML or text of a post or comment. */
  addText(text: string | undefined): void {
    if (!text) return;
    for (const match of text.matchAll(CONTENT_LINK)) {
      const host = match[1].toLowerCase();
      if (!NETWORK.test(host) || NOT_A_SITE.test(host) || host === "stackexchange.com") continue;
      this.links.set(host, (this.links.get(host) ?? 0) + 1);
    }
  }

  /** The site's host (`quantumcomputing.stackexchange.com`), or null when no post links to a site. */
  site(): string | null {
    if (this.links.size === 0) return null;
    const meta = this.questions > 0 && this.metaQuestions * 2 >= this.questions;
    const count = (host: string | null) => (host ? (this.links.get(host) ?? 0) : 0);
    const scores = new Map<string, number>();
    for (const host of this.links.keys()) {
      // A site and its meta are one candidate, named as the dump's kind says.
      const main = isMetaHost(host) ? mainOf(host) : host;
      const candidate = meta ? (main ? metaOf(main) : host) : (main ?? host);
      if (scores.has(candidate)) continue;
      scores.set(candidate, count(candidate) + count(meta ? main : metaOf(candidate)));
    }
    const ranked = [...scores].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return ranked[0][0];
  }
}
