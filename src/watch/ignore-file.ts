/**
 * The `.dockerignore` a watched service's build reads (`<Dockerfile>.dockerignore` first, then the
 * context's `.dockerignore`), read with the build's own reader so that watching and building ignore the
 * same files. A context that is not a folder on this machine (a Git URL) has none.
 */
import { isAbsolute, join } from 'node:path';
import type { BuildConfig } from '../config/model.js';
import { loadIgnorePatterns } from '../runtime/docker/dockerignore.js';

export async function readIgnorePatterns(build: BuildConfig): Promise<string[]> {
  if (!isAbsolute(build.context)) return [];
  const dockerfile =
    build.dockerfile_inline !== undefined
      ? undefined
      : build.dockerfile !== undefined && isAbsolute(build.dockerfile)
        ? build.dockerfile
        : join(build.context, build.dockerfile ?? 'Dockerfile');
  return (await loadIgnorePatterns(build.context, dockerfile)).patterns;
}
