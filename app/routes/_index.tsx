import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { needsFirstAccount } from "~/server/research.server";
import { store } from "~/server/context.server";
import { getOptionalUser } from "~/server/guards.server";

export async function loader({ request }: LoaderFunctionArgs) {
  if (await needsFirstAccount({ store })) throw redirect("/setup");
  const user = await getOptionalUser(request);
  throw redirect(user ? "/projects" : "/login");
}
