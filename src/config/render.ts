/**
 * A Project back to text, as `docker compose config` prints it: long forms, absolute paths,
 * interpolated values, only the enabled services. Loading the output again gives the same model.
 */
import { stringify } from 'yaml';
import type { Project, ServiceConfig } from './model.js';
import { put } from './positions.js';

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
  for (const [k, v] of Object.entries(project.extensions ?? {})) put(doc, k, v);
  return doc;
}

export function renderProject(project: Project, format: 'yaml' | 'json'): string {
  const doc = projectDocument(project);
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false, nullStr: 'null' });
}
