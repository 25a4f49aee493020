/**
 * `config --no-path-resolution`: the model with each relative path as the file wrote it. The loader
 * resolves paths while it reads (an env_file, a secret's file, an extended file are read where they
 * are), and notes each relative path it resolved; this puts the written form back in the fields that
 * hold paths, and nowhere else, so that a value that merely looks like a path is left alone.
 */
import type { Project, SecretConfig, ServiceConfig } from './model.js';

type Written = ReadonlyMap<string, string>;

/** The project with its path fields as written; the project itself when no relative path was resolved. */
export function withWrittenPaths(project: Project, written: Written): Project {
  if (written.size === 0) return project;
  const services = Object.fromEntries(
    Object.entries(project.services).map(([k, s]) => [k, serviceWithWrittenPaths(s, written)]),
  );
  const out: Project = { ...project, services };
  if (project.secrets) out.secrets = definitionsWithWrittenPaths(project.secrets, written);
  if (project.configs) out.configs = definitionsWithWrittenPaths(project.configs, written);
  return out;
}

function definitionsWithWrittenPaths(
  defs: Record<string, SecretConfig>,
  written: Written,
): Record<string, SecretConfig> {
  return Object.fromEntries(
    Object.entries(defs).map(([k, d]) => [k, d.file === undefined ? d : { ...d, file: asWritten(d.file, written) }]),
  );
}

/** A path as the file wrote it, when the loader resolved it; any other value as it is. */
function asWritten(path: string, written: Written): string {
  return written.get(path) ?? path;
}

function serviceWithWrittenPaths(service: ServiceConfig, written: Written): ServiceConfig {
  const as = (p: string): string => asWritten(p, written);
  const out: ServiceConfig = {
    ...service,
    volumes: service.volumes.map((v) => (v.type === 'bind' ? { ...v, source: as(v.source) } : v)),
  };
  if (service.build) {
    out.build = { ...service.build, context: as(service.build.context) };
    const extra = service.build.additional_contexts as Record<string, string> | undefined;
    if (extra) out.build.additional_contexts = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, as(v)]));
  }
  if (service.env_file) out.env_file = service.env_file.map((f) => ({ ...f, path: as(f.path) }));
  if (service.develop?.watch)
    out.develop = { ...service.develop, watch: service.develop.watch.map((w) => ({ ...w, path: as(w.path) })) };
  return out;
}
