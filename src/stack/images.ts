/**
 * The images of a stack deploy that the swarm's nodes could not pull as things are: those the stack file
 * builds (`build:`) and those only the manager's engine holds (built or loaded there and never pushed,
 * so no registry digest). Every node pulls a service's image from a registry; nothing is built or copied
 * to it. Without `--push` each such service is an error before anything is created, named at the
 * file:line that writes its `build:` or `image:`; with `--push` they are built (those with `build:`) and
 * pushed first, through the registry credentials berth reads for `berth push`, and the deploy pins each
 * service to the digest the push gave, as `docker stack deploy --resolve-image` pins a pulled image.
 * The decisions are pure; `pushStackImages` does the work through the Runtime of the manager's engine.
 */
import type { Project } from '../config/model.js';
import { located } from '../config/issues.js';
import type { SwarmImagePlace } from '../config/swarm-keys.js';
import { buildServices, pushImages } from '../apply/images.js';
import type { Renderer } from '../progress/events.js';
import { parseImageRef } from '../runtime/image-ref.js';
import type { Runtime, SwarmLocalImage } from '../runtime/runtime.js';
import { StackPlanError } from './plan.js';

/** What `--push` does before the deploy: the services to build, then the images to push. */
export interface ImageWork {
  build: string[];
  push: string[];
}

const PUSH_HINT =
  'deploy with --push to build and push it to the registry its image names, or name an image every node can pull from a registry';

/** One error naming every service found, each at its place; the hint says what to do. */
function unreachable(lines: string[], hint: string): StackPlanError {
  if (lines.length === 1) return new StackPlanError(lines[0]!, { hint });
  return new StackPlanError(`${lines.length} services use images the swarm's nodes cannot pull`, {
    detail: lines.map((l) => `  ${l}`).join('\n'),
    hint,
  });
}

/** Without `--push`: a service with `build:` cannot be deployed; every one is named at its `build:`. */
export function refuseBuilt(places: readonly SwarmImagePlace[]): void {
  const lines = places
    .filter((p) => p.build)
    .map((p) =>
      located(
        p.buildPos,
        ['services', p.service, 'build'],
        `the image ${p.image} is built from the stack file, and the swarm's nodes can only pull images from a registry`,
      ),
    );
  if (lines.length > 0) throw unreachable(lines, PUSH_HINT);
}

/** An image the manager has but no registry ever gave or took: built or loaded there. */
export function onlyLocal(image: SwarmLocalImage | undefined): boolean {
  return image !== undefined && image.repoDigests.length === 0;
}

/**
 * Images no registry answered for that the manager holds only locally: refused, each service at its
 * `image:`. (One the manager does not have at all may still be in a registry the nodes reach: a warning.)
 */
export function refuseLocalOnly(
  places: readonly SwarmImagePlace[],
  images: readonly string[],
  local: ReadonlyMap<string, SwarmLocalImage | undefined>,
): void {
  const lines = places
    .filter((p) => images.includes(p.image) && onlyLocal(local.get(p.image)))
    .map((p) =>
      located(
        p.imagePos,
        ['services', p.service, 'image'],
        `the image ${p.image} exists only on the manager (built or loaded there, never pushed to a registry): the other nodes cannot pull it`,
      ),
    );
  if (lines.length > 0)
    throw unreachable(
      lines,
      'deploy with --push to push it to the registry its name says, name an image from a registry, or use --resolve-image never if every node already has it',
    );
}

/** With `--push`: build every service with `build:`; push their images and every image only the manager holds. */
export function imageWork(
  places: readonly SwarmImagePlace[],
  local: ReadonlyMap<string, SwarmLocalImage | undefined>,
): ImageWork {
  const build = places.filter((p) => p.build).map((p) => p.service);
  const push = places.filter((p) => p.build || onlyLocal(local.get(p.image))).map((p) => p.image);
  return { build: [...new Set(build)].sort(), push: [...new Set(push)].sort() };
}

/**
 * The reference to deploy once `ref` was pushed: the file's name and tag with the digest the registry
 * holds for its repository (`reg:5000/app:1@sha256:…`), from the image's RepoDigests; undefined when
 * none is for that repository.
 */
export function pinnedFrom(ref: string, repoDigests: readonly string[]): string | undefined {
  const wanted = parseImageRef(ref);
  for (const d of repoDigests) {
    const parsed = parseImageRef(d);
    if (parsed.repository === wanted.repository && parsed.digest)
      return `${ref.replace(/@sha256:[0-9a-f]+$/, '')}@${parsed.digest}`;
  }
  return undefined;
}

export interface PushContext {
  /** The manager's engine, where the images are built and from where they are pushed. */
  runtime: Runtime;
  /** A fresh progress view for each phase (the build, then the pushes). */
  renderer: () => Promise<Renderer>;
  parallel: number;
  /** For build args without a value. */
  env: Record<string, string | undefined>;
}

/** Builds and pushes as `work` says; resolves with the pinned reference of each pushed image. */
export async function pushStackImages(
  project: Project,
  work: ImageWork,
  ctx: PushContext,
): Promise<Record<string, string>> {
  if (work.build.length > 0)
    await buildServices(
      project,
      ctx.runtime,
      work.build,
      { parallel: ctx.parallel, env: ctx.env },
      await ctx.renderer(),
    );
  if (work.push.length === 0) return {};
  await pushImages(work.push, ctx.runtime, ctx.parallel, await ctx.renderer());
  const pinned: Record<string, string> = {};
  for (const ref of work.push) {
    const image = await ctx.runtime.inspectImage(ref);
    const to = image && pinnedFrom(ref, image.repoDigests);
    if (!to)
      throw new StackPlanError(`image ${ref} was pushed, but the engine names no registry digest for it`, {
        hint: 'push it again (berth push), then deploy',
      });
    pinned[ref] = to;
  }
  return pinned;
}
