/**
 * `config --resolve-image-digests` and `--lock-image-digests`: each service's image pinned to the
 * digest its registry reports, written as Docker Compose writes it (`docker.io/library/nginx:latest@sha256:…`),
 * and the override file of pinned images alone. Pure: the registry lookup is passed in.
 */
import { stringify } from 'yaml';
import type { Project } from './model.js';

/** An image reference -> its registry digest (`sha256:…`); throws or returns undefined when none answers. */
export type DigestLookup = (ref: string) => Promise<string | undefined>;

/**
 * The reference as Go's `reference.ParseDockerRef(...).String()` prints it: with its registry, the
 * `library/` of official images, and `:latest` when it names no tag and no digest.
 */
export function dockerRef(ref: string): string {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at) : '';
  let name = at >= 0 ? ref.slice(0, at) : ref;
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasDomain) name = `docker.io/${slash >= 0 ? name : `library/${name}`}`;
  else if (first === 'index.docker.io') name = `docker.io${name.slice(slash)}`;
  const lastSlash = name.lastIndexOf('/');
  const hasTag = name.lastIndexOf(':') > lastSlash;
  return `${name}${hasTag || digest !== '' ? '' : ':latest'}${digest}`;
}

/** The project with each service's `image` pinned to its digest; services without `image` are left alone. */
export async function withImagesPinned(
  project: Project,
  lookup: DigestLookup,
): Promise<{ project: Project; unresolved: string[] }> {
  const unresolved: string[] = [];
  const services = { ...project.services };
  await Promise.all(
    Object.values(project.services).map(async (s) => {
      if (s.image === undefined || s.image === '') return;
      const full = dockerRef(s.image);
      if (full.includes('@')) {
        services[s.name] = { ...s, image: full };
        return;
      }
      const digest = await lookup(full);
      if (digest === undefined) unresolved.push(`${s.image} (service ${s.name})`);
      else services[s.name] = { ...s, image: `${full}@${digest}` };
    }),
  );
  return { project: { ...project, services }, unresolved: unresolved.sort() };
}

/** `--lock-image-digests`: an override file that sets each service's image and nothing else. */
export function lockedImages(project: Project, format: 'yaml' | 'json'): string {
  const services = Object.fromEntries(
    Object.keys(project.services)
      .sort()
      .map((name) => {
        const image = project.services[name]!.image;
        return [name, image === undefined ? {} : { image }];
      }),
  );
  if (format === 'json') return `${JSON.stringify({ services }, null, 2)}\n`;
  return stringify({ services }, { indent: 2, lineWidth: 0 });
}
