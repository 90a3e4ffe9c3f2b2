import { LoginThrottle } from "#research/accounts/index";
import { getStore } from "#research/store/index";
import { env } from "./env.server";

/** The process-wide store (one lowdb instance per file, shared across dev reloads by getStore). */
export const store = getStore(env.dataDir);

type Singletons = { loginThrottle?: LoginThrottle };
const globals = globalThis as typeof globalThis & { __netnoWeb?: Singletons };
const singletons = (globals.__netnoWeb ??= {});

export const loginThrottle = (singletons.loginThrottle ??= new LoginThrottle());
