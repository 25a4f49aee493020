/**
 * Image references the way the engine lists them, so that one `GET /images/json` answers "which id
 * has image X" for every reference a stack names. Pure.
 */
import type { ImageSummary } from '../runtime.js';

export interface ParsedRef {
  /** Familiar repository: "busybox", "berth-local/busybox", "localhost:5000/app". */
  repository: string;
  tag?: string;
  digest?: string;
}

/** A bare image id or id prefix ("sha256:…", 12+ hex chars): not a name the list can match. */
export function isImageId(ref: string): boolean {
  return /^sha256:[0-9a-f]{6,64}$/i.test(ref) || /^[0-9a-f]{12,64}$/.test(ref);
}

/**
 * Splits a reference and drops Docker Hub's implied parts, as `RepoTags` shows them:
 * "docker.io/library/busybox" -> "busybox", "index.docker.io/x/y" -> "x/y".
 */
export function parseImageRef(ref: string): ParsedRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
  }
  let repository = rest;
  const firstSlash = repository.indexOf('/');
  if (firstSlash >= 0) {
    const domain = repository.slice(0, firstSlash);
    if (domain === 'docker.io' || domain === 'index.docker.io' || domain === 'registry-1.docker.io') {
      repository = repository.slice(firstSlash + 1);
    }
  }
  if (repository.startsWith('library/') && repository.indexOf('/', 'library/'.length) < 0) {
    repository = repository.slice('library/'.length);
  }
  const out: ParsedRef = { repository };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** The form the engine lists: "busybox:latest", or "busybox@sha256:…" for a digest reference. */
export function familiarRef(ref: string): string {
  const p = parseImageRef(ref);
  if (p.digest !== undefined) return `${p.repository}@${p.digest}`;
  return `${p.repository}:${p.tag ?? 'latest'}`;
}

/**
 * Image ids for the references found in a list of images. References the list cannot answer (image
 * ids, or names not present) are returned in `unmatched` for the caller to inspect one by one.
 */
export function matchImageRefs(
  refs: string[],
  images: ImageSummary[],
): { found: Record<string, string>; unmatched: string[] } {
  const byTag = new Map<string, string>();
  for (const img of images) {
    for (const t of img.repoTags) byTag.set(t, img.id);
    for (const d of img.repoDigests) byTag.set(d, img.id);
  }
  const found: Record<string, string> = {};
  const unmatched: string[] = [];
  for (const ref of new Set(refs)) {
    const id = isImageId(ref) ? undefined : byTag.get(familiarRef(ref));
    if (id !== undefined) found[ref] = id;
    else unmatched.push(ref);
  }
  return { found, unmatched };
}
