import type { DocumentStore } from "../store/index.js";
import { findLegacyData, upgradeDataDirectory, type UpgradeReport } from "./upgrade.js";

export {
  UPGRADE_AUDIT_ACTION,
  emptyUpgradeReport,
  findLegacyData,
  upgradeDataDirectory,
  type LegacyPlan,
  type UpgradeMoment,
  type UpgradeProgress,
  type UpgradeReport,
} from "./upgrade.js";
export type { TableCounts } from "./copy-project.js";

/** True when the data directory still holds files of the release before the tables (folder listings only). */
export async function needsUpgrade(store: DocumentStore): Promise<boolean> {
  const plan = await findLegacyData(store);
  return plan.rootDocuments.length > 0 || plan.projects.length > 0;
}

// One upgrade per data directory and database per process, kept on globalThis across dev reloads.
const upgrades: Map<string, Promise<UpgradeReport | null>> = ((
  globalThis as { __netnoUpgrades?: Map<string, Promise<UpgradeReport | null>> }
).__netnoUpgrades ??= new Map());

/**
 * Upgrades the data directory once per process before it is used (server start, each CLI command):
 * a few folder listings when there is nothing to do. Resolves to the report, or null when nothing was
 * to do; a failed upgrade is not remembered, so the next call tries again.
 */
export function ensureUpgraded(store: DocumentStore): Promise<UpgradeReport | null> {
  const location = store.sqlLocation;
  const key = `${store.root}|${location.engine === "sqlite" ? location.file : `${location.url}#${location.schema ?? ""}`}`;
  let upgrade = upgrades.get(key);
  if (!upgrade) {
    upgrade = (async () =>
      (await needsUpgrade(store)) ? upgradeDataDirectory({ store }) : null)();
    upgrades.set(key, upgrade);
    upgrade.catch(() => upgrades.delete(key));
  }
  return upgrade;
}
