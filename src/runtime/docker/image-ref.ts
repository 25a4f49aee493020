/**
 * Matches image references against the engine's image list (`GET /images/json` `RepoTags`,
 * `RepoDigests`), so that one list call answers "which id has image X" for every reference a stack
 * names. Pure.
 */
import { familiarRef, isImageId } from '../image-ref.js';
import type { ImageSummary } from '../runtime.js';

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
