import type { LinksFunction, LoaderFunctionArgs } from "@remix-run/node";
import {
  Form,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useFetchers,
  useLoaderData,
  useNavigation,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { useEffect, useState } from "react";
import { keepLayoutAfterCodingAction } from "~/components/layout-revalidation";
import { getOptionalUser } from "~/server/guards.server";
import stylesheet from "~/styles/app.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.ico" },
];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getOptionalUser(request);
  return { user: user ? { name: user.name, isAdmin: user.isAdmin } : null };
}

// Who is signed in does not change when a coding page saves a coding or a memo.
export const shouldRevalidate = keepLayoutAfterCodingAction;

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

function Header({ user }: { user: { name: string; isAdmin: boolean } | null }) {
  return (
    <header className="app-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Link className="brand" to="/">
        Netnography Workbench
      </Link>
      <nav aria-label="Main">
        {user ? <Link to="/projects">Projects</Link> : null}
        {user?.isAdmin ? <Link to="/admin/users">People</Link> : null}
      </nav>
      {user ? (
        <div className="who">
          <Link to="/account/sessions" title="Your account: where you are signed in, your password">
            {user.name}
          </Link>
          <Form method="post" action="/logout">
            <button type="submit">Log out</button>
          </Form>
        </div>
      ) : null}
    </header>
  );
}

/**
 * Says the workbench is working when a page load or a form takes more than a moment (a large page, a
 * save, an import starting), so nobody clicks again wondering whether anything happened.
 */
function BusyIndicator() {
  const navigation = useNavigation();
  const fetchers = useFetchers();
  const busy = navigation.state !== "idle" || fetchers.some((fetcher) => fetcher.state !== "idle");
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!busy) {
      setShown(false);
      return;
    }
    const timer = setTimeout(() => setShown(true), 400);
    return () => clearTimeout(timer);
  }, [busy]);
  return (
    <div className="busy-indicator" role="status" aria-live="polite">
      {shown ? (navigation.state === "submitting" ? "Saving…" : "Working…") : ""}
    </div>
  );
}

export default function App() {
  const { user } = useLoaderData<typeof loader>();
  return (
    <>
      <BusyIndicator />
      <Header user={user} />
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}

/**
 * Errors no page caught, an unknown address among them (routes/$.tsx): shown under the app's header when
 * the root loader ran, so the person still sees who they are and can get back to their projects.
 */
export function ErrorBoundary() {
  const error = useRouteError();
  const root = useRouteLoaderData<typeof loader>("root");
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message =
    status === 404
      ? "This page does not exist, or you do not have access to it."
      : status === 403
        ? isRouteErrorResponse(error) && typeof error.data === "string"
          ? error.data
          : "You are not allowed to do this."
        : // A 5xx body may carry internals; only a 4xx body is a sentence meant for people.
          isRouteErrorResponse(error) && status < 500 && typeof error.data === "string"
          ? error.data
          : "Something went wrong. The error was logged on the server.";
  return (
    <>
      <Header user={root?.user ?? null} />
      <main id="main">
        <div className="card narrow" role="alert">
          <h1>{status === 404 ? "Not found" : status === 403 ? "Not allowed" : "Error"}</h1>
          <p>{message}</p>
          <p>
            <a href="/projects">Back to your projects</a>
          </p>
        </div>
      </main>
    </>
  );
}
