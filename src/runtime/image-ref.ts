/**
 * Image references as users write them and as the engine lists them ("busybox" is
 * "docker.io/library/busybox:latest" is "busybox:latest"). Pure reference syntax, no engine call: it sits
 * beside the Runtime interface so that apply/ (build order), runtime/docker/ (matching the image list) and
 * the in-memory test runtime all compare references the same way.
 */

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
