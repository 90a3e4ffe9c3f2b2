import { LoginThrottle } from "#research/accounts/index";
import { getStore } from "#research/store/index";
import { ensureUpgraded } from "#research/upgrade/index";
import { env } from "./env.server";

/** The process-wide store (one lowdb instance per file, shared across dev reloads by getStore). */
export const store = getStore(env.dataDir);
// A data directory of an earlier release becomes tables before the first request (a folder listing when
// there is nothing to do); a failed upgrade stops the server with its reason, having changed nothing.
const upgraded = await ensureUpgraded(store);
if (upgraded) {
  console.log(
    `netno: upgraded ${upgraded.projects} project(s) to the tables; old files in ${upgraded.backup}`,
  );
}

type Singletons = { loginThrottle?: LoginThrottle; shareThrottle?: LoginThrottle };
const globals = globalThis as typeof globalThis & { __netnoWeb?: Singletons };
const singletons = (globals.__netnoWeb ??= {});

export const loginThrottle = (singletons.loginThrottle ??= new LoginThrottle());

/** Member-check responses: a few free ones per link and address, then each further one waits longer. */
export const shareThrottle = (singletons.shareThrottle ??= new LoginThrottle(
  5,
  2000,
  10 * 60 * 1000,
));
