/**
 * The images each service's Dockerfile starts `FROM`, read here because config/ is the layer that knows
 * files: the planner takes them as data (`UpOptions.buildBases`) to order a build after the pull or
 * build of the image it starts from, and stays pure.
 */
import { isAbsolute, join } from 'node:path';
import type { Project, ServiceConfig } from './model.js';

/**
 * Service -> the images its Dockerfile starts `FROM`, for every service with `build:` whose Dockerfile
 * can be read (a remote context or a missing file is left out: the build itself reports it). Build args
 * without a value are taken from `env`.
 */
export async function readBuildBases(
  project: Project,
  env: Record<string, string | undefined> = {},
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  await Promise.all(
    Object.values(project.services).map(async (s) => {
      const text = s.build ? await dockerfileOf(s) : undefined;
      if (text === undefined) return;
      const args: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.build!.args ?? {})) {
        const value = v ?? env[k];
        if (value !== undefined) args[k] = value;
      }
      out[s.name] = dockerfileBases(text, args);
    }),
  );
  return out;
}

async function dockerfileOf(s: ServiceConfig): Promise<string | undefined> {
  const b = s.build!;
  if (b.dockerfile_inline !== undefined) return b.dockerfile_inline;
  if (/^[a-z]+:\/\//i.test(b.context) || b.context.startsWith('git@')) return undefined;
  const path =
    b.dockerfile !== undefined && isAbsolute(b.dockerfile)
      ? b.dockerfile
      : join(b.context, b.dockerfile ?? 'Dockerfile');
  const { readFile } = await import('node:fs/promises'); // only for stacks that build
  return readFile(path, 'utf8').catch(() => undefined);
}

/** A Dockerfile's logical lines: comments dropped, `\` continuations joined. */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    if (current === '' && /^\s*#/.test(raw)) continue;
    if (/\\\s*$/.test(raw)) {
      current += raw.replace(/\\\s*$/, ' ');
      continue;
    }
    lines.push(current + raw);
    current = '';
  }
  if (current !== '') lines.push(current);
  return lines;
}

/**
 * The images a Dockerfile's stages start from, build args substituted (`ARG` defaults before the first
 * `FROM`, overridden by `args`); stages naming an earlier stage and `scratch` are left out.
 */
export function dockerfileBases(text: string, args: Record<string, string> = {}): string[] {
  const vars: Record<string, string> = {};
  const stages = new Set<string>();
  const bases: string[] = [];
  let seenFrom = false;
  const subst = (s: string): string =>
    s.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (_m, a: string | undefined, def: string | undefined, b: string | undefined) => {
        const name = (a ?? b)!;
        return args[name] ?? vars[name] ?? def ?? '';
      },
    );
  for (const line of logicalLines(text)) {
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const instr = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (instr === 'ARG' && !seenFrom) {
      for (const decl of rest.split(/\s+/)) {
        const eq = decl.indexOf('=');
        if (eq > 0) vars[decl.slice(0, eq)] = decl.slice(eq + 1).replace(/^["']|["']$/g, '');
      }
    } else if (instr === 'FROM') {
      seenFrom = true;
      const words = rest.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = subst(words[0] ?? '');
      const fromStage = stages.has(image.toLowerCase());
      if (words[1]?.toUpperCase() === 'AS' && words[2]) stages.add(words[2].toLowerCase());
      if (image === '' || image === 'scratch' || fromStage) continue;
      bases.push(image);
    }
  }
  return [...new Set(bases)];
}
