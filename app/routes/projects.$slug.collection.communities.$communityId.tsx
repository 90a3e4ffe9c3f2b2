import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { actionErrors } from "~/components/action-result";
import { Field, FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import { listCommunitySummaries, renameCommunity } from "~/server/research.server";

export const meta: MetaFunction = () => [{ title: "Rename community · Netnography Workbench" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "code");
  const communities = await listCommunitySummaries({ store, slug: project.slug });
  const community = communities.find((entry) => entry.id === params.communityId);
  if (!community) throw new Response("Not found", { status: 404 });
  return {
    slug: project.slug,
    community: {
      id: community.id,
      name: community.name,
      platform: community.platform,
      posts: community.posts,
    },
  };
}

const RenameForm = z.object({ name: z.string() });

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const input = parseForm(await request.formData(), RenameForm);
    const renamed = await renameCommunity({
      store,
      slug: project.slug,
      communityId: params.communityId ?? "",
      name: input.name,
      userId: user.id,
    });
    return redirect(
      `/projects/${project.slug}/collection?renamed=${encodeURIComponent(renamed.name)}`,
    );
  });
}

export default function RenameCommunityPage() {
  const { slug, community } = useLoaderData<typeof loader>();
  const { formError, fieldErrors } = actionErrors(useActionData<typeof action>());
  return (
    <section className="card" aria-labelledby="rename-heading">
      <h2 id="rename-heading">Rename “{community.name}”</h2>
      <p className="muted">
        {community.platform}, {community.posts.toLocaleString("en")} posts. A later import that
        names this community the same way adds to it.
      </p>
      <Form method="post">
        <FormError message={formError} />
        <Field
          label="Name"
          name="name"
          defaultValue={community.name}
          error={fieldErrors.name}
          required
        />
        <button type="submit">Rename</button>{" "}
        <Link to={`/projects/${slug}/collection`}>Cancel</Link>
      </Form>
    </section>
  );
}
