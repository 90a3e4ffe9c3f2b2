import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { beforeEach, vi } from "vitest";
import { addMember, buildProject, buildStore, buildUser, pointAppAtStore } from "../factories.js";

/** The origin the route tests pretend to be served from; mutations carry it, as a browser's do. */
export const ORIGIN = "http://127.0.0.1:3000";

type Loader = (args: LoaderFunctionArgs) => unknown;
type Action = (args: ActionFunctionArgs) => unknown;

/** The session cookie of a signed-in user, made the way the login action makes it. */
export async function signInCookie(userId: string): Promise<string> {
  const { createUserSession } = await import("../../app/server/session.server");
  const response = await createUserSession(new Request(`${ORIGIN}/login`), userId, "/");
  return (response.headers.get("set-cookie") ?? "").split(";")[0];
}

/**
 * Calls a route's loader and action with real `Request`s, as Remix does. A thrown Response (a redirect, a
 * 403 or 404) is returned rather than thrown, so a test can read its status.
 */
export function routeCaller(
  route: { loader?: Loader; action?: Action },
  pathname: string,
  params: Record<string, string>,
  cookie: string | null,
) {
  const headers = (extra: Record<string, string> = {}) => ({
    ...(cookie ? { cookie } : {}),
    ...extra,
  });
  const settle = async (work: () => unknown) => {
    try {
      return await work();
    } catch (thrown) {
      if (thrown instanceof Response) return thrown;
      throw thrown;
    }
  };
  return {
    get(query = "") {
      if (!route.loader) throw new Error(`${pathname} has no loader`);
      const loader = route.loader;
      return settle(() =>
        loader({
          request: new Request(`${ORIGIN}${pathname}${query}`, { headers: headers() }),
          params,
          context: {},
        }),
      );
    },
    post(fields: Record<string, string | string[]>, extraHeaders: Record<string, string> = {}) {
      if (!route.action) throw new Error(`${pathname} has no action`);
      const action = route.action;
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(fields))
        for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
      return settle(() =>
        action({
          request: new Request(`${ORIGIN}${pathname}`, {
            method: "POST",
            headers: headers({
              origin: ORIGIN,
              "content-type": "application/x-www-form-urlencoded",
              ...extraHeaders,
            }),
            body: body.toString(),
          }),
          params,
          context: {},
        }),
      );
    },
  };
}

/** What `data(value, { status })` returns: Remix keeps the value and the status apart. */
type DataWithInit = { type: "DataWithResponseInit"; data: unknown; init: ResponseInit | null };
function isDataWithInit(answer: unknown): answer is DataWithInit {
  return (
    typeof answer === "object" &&
    answer !== null &&
    (answer as { type?: unknown }).type === "DataWithResponseInit"
  );
}

/** The status of what an action or loader answered: a Response's, data()'s, or 200 for plain data. */
export function statusOf(answer: unknown): number {
  if (answer instanceof Response) return answer.status;
  if (isDataWithInit(answer)) return answer.init?.status ?? 200;
  return 200;
}

/** The data an action or loader answered, whether plain or wrapped by data(). */
export function bodyOf(answer: unknown): unknown {
  return isDataWithInit(answer) ? answer.data : answer;
}

/**
 * For a test file whose tests each need their own store behind the app: the app's modules read their
 * store when first loaded, and buildStore removes its store when the test ends, so every test loads the
 * modules afresh. Call once at the top of the file.
 */
export function reloadAppForEachTest(): void {
  beforeEach(() => {
    vi.resetModules();
  });
}

/** A new store the app is pointed at, with its first admin (who owns what the test creates). */
export async function buildAppStore() {
  const store = await buildStore();
  pointAppAtStore(store);
  return { store, owner: await buildUser(store, { admin: true }) };
}

/**
 * A project behind the app with one person per place in the role table: its owner, a researcher, a
 * strategist, and an outsider with an account but no place in the project.
 */
export async function buildTeamProject() {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const [researcher, strategist, outsider] = [
    await buildUser(store),
    await buildUser(store),
    await buildUser(store),
  ];
  await addMember(store, project, researcher, "researcher", owner.id);
  await addMember(store, project, strategist, "strategist", owner.id);
  return { store, owner, project, slug: project.slug, researcher, strategist, outsider };
}
