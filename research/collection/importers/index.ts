import path from "node:path";
import { csvImporter } from "./csv.js";
import { discourseImporter } from "./discourse.js";
import { hnImporter } from "./hn.js";
import { mastodonImporter } from "./mastodon.js";
import { mboxImporter } from "./mbox.js";
import { redditImporter } from "./reddit.js";
import { rssImporter } from "./rss.js";
import { stackExchangeImporter } from "./stackexchange.js";
import { telegramImporter } from "./telegram.js";
import { twitterImporter } from "./twitter.js";
import { youtubeImporter } from "./youtube.js";
import { zeeschuimerImporter } from "./zeeschuimer.js";
import type { Importer } from "./types.js";

export type { Importer, ImportEvent, ImportedPost, CsvField, SlashDateFormat } from "./types.js";

/** In detection order: the most specific signatures first, CSV (decided by file name) last. */
export const IMPORTERS: Importer[] = [
  zeeschuimerImporter, stackExchangeImporter, discourseImporter, redditImporter, hnImporter, mastodonImporter,
  telegramImporter, twitterImporter, youtubeImporter, rssImporter, mboxImporter, csvImporter,
];

export const IMPORT_FORMATS = IMPORTERS.map((importer) => importer.format);

export function getImporter(format: string): Importer | undefined {
  return IMPORTERS.find((importer) => importer.format === format);
}

/** The importer whose signature matches the file's name and first bytes, if any. */
export function detectImporter(fileName: string, head: string): Importer | undefined {
  return IMPORTERS.find((importer) => importer.detect({ fileName: path.basename(fileName), head }));
}
