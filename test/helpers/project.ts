import type { Project, ServiceConfig } from '../../src/config/model.js';

/** A normalized Project for tests of the layers after config/: services get the defaults the loader gives. */
export function project(
  name: string,
  services: Record<string, Partial<ServiceConfig>>,
  extra: Partial<Project> = {},
): Project {
  const svcs: Record<string, ServiceConfig> = {};
  let usesDefault = false;
  for (const [key, s] of Object.entries(services)) {
    const networks = s.networks ?? (s.network_mode ? {} : { default: null });
    if ('default' in networks) usesDefault = true;
    svcs[key] = { environment: {}, ports: [], volumes: [], depends_on: {}, labels: {}, ...s, networks, name: key };
  }
  return {
    name,
    working_dir: `/work/${name}`,
    config_files: [`/work/${name}/compose.yaml`],
    services: svcs,
    networks: { ...(usesDefault ? { default: { name: `${name}_default` } } : {}), ...extra.networks },
    volumes: extra.volumes ?? {},
    ...Object.fromEntries(Object.entries(extra).filter(([k]) => k !== 'networks' && k !== 'volumes')),
  };
}
