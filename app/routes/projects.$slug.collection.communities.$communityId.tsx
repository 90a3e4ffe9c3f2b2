import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import { Field, FormError, SelectField } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  listCommunitySummaries,
  mergeCommunities,
  renameCommunity,
} from "~/server/research.server";

export const meta: MetaFunction = () => [
  { title: "Rename or merge a community · Netnography Workbench" },
];

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
    // Only communities of the same platform can take its threads.
    mergeTargets: communities
      .filter((entry) => entry.platform === community.platform && entry.id !== community.id)
      .map((entry) => ({ id: entry.id, name: entry.name, posts: entry.posts })),
  };
}

const CommunityForm = z.object({
  intent: z.enum(["rename", "merge"]).default("rename"),
  name: z.string().default(""),
  intoCommunityId: z.string().default(""),
});

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const input = parseForm(await request.formData(), CommunityForm);
    if (input.intent === "merge") {
      const merged = await mergeCommunities({
        store,
        slug: project.slug,
        communityId: params.communityId ?? "",
        intoCommunityId: input.intoCommunityId,
        userId: user.id,
      });
      return redirect(
        `/projects/${project.slug}/collection?merged=${encodeURIComponent(merged.name)}`,
      );
    }
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
  const { slug, community, mergeTargets } = useLoaderData<typeof loader>();
  const { formError, fieldErrors } = formState(useActionData<typeof action>());
  return (
    <>
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
          <input type="hidden" name="intent" value="rename" />
          <button type="submit">Rename</button>{" "}
          <Link to={`/projects/${slug}/collection`}>Cancel</Link>
        </Form>
      </section>
      <section className="card" aria-labelledby="merge-heading">
        <h2 id="merge-heading">Merge into another community</h2>
        {mergeTargets.length === 0 ? (
          <p className="muted">
            No other {community.platform} community in this project: only communities of one
            platform can be merged.
          </p>
        ) : (
          <Form method="post">
            <p className="muted">
              Its threads and posts move to the community you choose, and “{community.name}” goes.
              Codings, memos and notes stay with the posts.
            </p>
            <SelectField
              label="Merge into"
              name="intoCommunityId"
              error={fieldErrors.intoCommunityId}
              options={[
                { value: "", label: "Choose a community" },
                ...mergeTargets.map((target) => ({
                  value: target.id,
                  label: `${target.name} (${target.posts.toLocaleString("en")} posts)`,
                })),
              ]}
            />
            <input type="hidden" name="intent" value="merge" />
            <button type="submit">Merge</button>
          </Form>
        )}
      </section>
    </>
  );
}
