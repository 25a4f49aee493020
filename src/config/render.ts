/**
 * A Project back to text, as `docker compose config` prints it: long forms, absolute paths,
 * interpolated values, only the enabled services. Loading the output again gives the same model.
 */
import type { ScalarTag } from 'yaml';
import type { Project, ServiceConfig } from './model.js';
import { put } from './positions.js';
import { FileMode, quickYaml } from './quick-yaml.js';

type Obj = Record<string, unknown>;

const sortKeys = (o: Obj): Obj => {
  const out: Obj = {};
  for (const k of Object.keys(o).sort()) put(out, k, o[k]);
  return out;
};

function withExtensions(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'extensions' && v !== null && typeof v === 'object') {
      for (const [xk, xv] of Object.entries(v as Obj)) put(out, xk, xv);
    } else if (v !== undefined) {
      put(out, k, v);
    }
  }
  return out;
}

/** Fields the loader always fills in: printed only when they hold something. */
const DEFAULTED = ['environment', 'labels', 'ports', 'volumes', 'depends_on', 'networks'];

function isEmpty(v: unknown): boolean {
  return Array.isArray(v) ? v.length === 0 : v !== null && typeof v === 'object' && Object.keys(v).length === 0;
}

function serviceDoc(s: ServiceConfig): Obj {
  const { name: _name, ...rest } = s;
  const doc = withExtensions(rest);
  for (const k of DEFAULTED) if (isEmpty(doc[k])) delete doc[k];
  return sortKeys(doc);
}

/** The document `berth config` prints, as plain data. */
export function projectDocument(project: Project): Obj {
  const doc: Obj = { name: project.name, services: {} };
  for (const [k, s] of Object.entries(project.services)) put(doc.services as Obj, k, serviceDoc(s));
  const group = (g: Record<string, object> | undefined): Obj | undefined => {
    if (!g || Object.keys(g).length === 0) return undefined;
    const out: Obj = {};
    for (const [k, v] of Object.entries(g)) put(out, k, withExtensions(v as Obj));
    return out;
  };
  const networks = group(project.networks);
  if (networks) doc.networks = networks;
  const volumes = group(project.volumes);
  if (volumes) doc.volumes = volumes;
  const secrets = group(project.secrets);
  if (secrets) doc.secrets = secrets;
  const configs = group(project.configs);
  if (configs) doc.configs = configs;
  if (project.models && Object.keys(project.models).length > 0) doc.models = project.models;
  for (const [k, v] of Object.entries(project.extensions ?? {})) put(doc, k, v);
  return doc;
}

/**
 * File modes of secrets and configs print in octal (`mode: 0440`), as Compose writes them; the
 * loader reads a leading-zero number back as octal. JSON keeps the number, as Compose's does.
 */
const FILE_MODE: ScalarTag = {
  tag: 'tag:yaml.org,2002:int',
  format: 'FILE_MODE',
  default: true,
  identify: (v) => Number.isInteger(v),
  test: /^(?!)/,
  resolve: (s) => parseInt(s, 8),
  stringify: ({ value }) => `0${Number(value).toString(8)}`,
};

function octalModes(doc: Obj): void {
  const fix = (list: unknown): unknown =>
    Array.isArray(list)
      ? list.map((item: unknown) => {
          if (item === null || typeof item !== 'object' || typeof (item as Obj).mode !== 'number') return item;
          return { ...(item as Obj), mode: new FileMode((item as Obj).mode as number) };
        })
      : list;
  for (const svc of Object.values((doc.services ?? {}) as Record<string, Obj>)) {
    for (const k of ['secrets', 'configs']) if (svc[k] !== undefined) put(svc, k, fix(svc[k]));
    if (svc.build !== null && typeof svc.build === 'object' && (svc.build as Obj).secrets !== undefined) {
      put(svc, 'build', { ...(svc.build as Obj), secrets: fix((svc.build as Obj).secrets) });
    }
  }
}

export interface RenderOptions {
  /**
   * Write every `$` as `$$` (as `docker compose config` does for interpolated output), so that
   * the text read back is not interpolated a second time and gives the same model.
   */
  escapeDollars?: boolean;
}

export async function renderProject(
  project: Project,
  format: 'yaml' | 'json',
  opts: RenderOptions = {},
): Promise<string> {
  const doc = projectDocument(project);
  let text: string;
  if (format === 'json') {
    text = `${JSON.stringify(doc, null, 2)}\n`;
  } else {
    octalModes(doc);
    text = quickYaml(doc) ?? (await libraryYaml(doc));
  }
  return opts.escapeDollars ? text.replace(/\$/g, () => '$$') : text;
}

/**
 * How the yaml library writes a stack: no line folding, no anchors for repeated objects, `null` spelt
 * out. quickYaml's tests compare against the library with exactly these.
 */
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false, nullStr: 'null' } as const;

/** The yaml library's text of a document quickYaml declined (multi-line or non-ASCII strings...). */
async function libraryYaml(doc: Obj): Promise<string> {
  const { Scalar, stringify } = await import('yaml');
  const modes = (_key: unknown, value: unknown): unknown => {
    if (!(value instanceof FileMode)) return value;
    const mode = new Scalar(value.value);
    mode.format = 'FILE_MODE';
    return mode;
  };
  return stringify(doc, modes, { ...YAML_OPTIONS, customTags: (tags) => [...tags, FILE_MODE] });
}
