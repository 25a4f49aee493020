/**
 * The contents of secrets and configs given by `environment:`, kept beside the model rather than in
 * it. Docker Compose reads such a variable when it creates the container (pkg/compose/secrets.go);
 * berth reads it at every load from the load's environment (the shell over `.env`), so that the plan,
 * which is pure, can hand it to the runtime in the container spec. The value must go to the engine
 * and nowhere else: the project cache stores the model without it (`withoutFileValues`) and makes it
 * again on a hit, and neither the config hash nor `config` output reads this field.
 */
import type { FileValues, Project, SecretConfig } from './model.js';

/** The values of the environment-sourced entries of one kind whose variable is set. */
function valuesOf(
  defs: Record<string, SecretConfig> | undefined,
  environment: Readonly<Record<string, string>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, def] of Object.entries(defs ?? {})) {
    if (def.environment === undefined) continue;
    const value = environment[def.environment];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The project with `file_values` made from `environment`; the project itself when nothing reads a variable. */
export function withFileValues(project: Project, environment: Readonly<Record<string, string>>): Project {
  const values: FileValues = {
    secrets: valuesOf(project.secrets, environment),
    configs: valuesOf(project.configs, environment),
  };
  const { file_values: _old, ...rest } = project;
  if (Object.keys(values.secrets).length === 0 && Object.keys(values.configs).length === 0) return rest;
  return { ...rest, file_values: values };
}

/** The project as the cache may store it: without the values. */
export function withoutFileValues(project: Project): Project {
  const { file_values: _values, ...rest } = project;
  return rest;
}
