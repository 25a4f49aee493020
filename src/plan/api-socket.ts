/**
 * `use_api_socket: true`, as Docker Compose gives it outside Swarm (pkg/compose/apiSocket.go): no engine
 * setting holds it; the service is rewritten before planning, so that its container mounts the engine's
 * unix socket at /var/run/docker.sock and finds the user's registry logins in a Docker config file at
 * /run/secrets/docker/config.json, with DOCKER_CONFIG pointing there unless the service sets it.
 *
 * The runtime supplies the socket and the logins (`Runtime.apiSocket`); this rewrite is pure. The logins
 * become the content of a config no file declares, `#apisocket`: a config's content reaches the
 * container through the engine's archive endpoint only. The config hash and the labels see the service's
 * reference to it, never its content, and the project cache never sees the rewritten project.
 */
import type { Project, ServiceConfig } from '../config/model.js';
import type { ApiSocketHandoff } from '../runtime/runtime.js';

/** The config's key: `#` cannot start a key a stack file declares. */
export const API_SOCKET_CONFIG = '#apisocket';
export const API_SOCKET_TARGET = '/var/run/docker.sock';
const DOCKER_CONFIG_DIR = '/run/secrets/docker';

export function usesApiSocket(project: Project): boolean {
  return Object.values(project.services).some((s) => s.use_api_socket === true);
}

/** The project with each `use_api_socket` service given the socket and the logins; unchanged when none asks. */
export function withApiSocket(project: Project, handoff: ApiSocketHandoff): Project {
  if (!usesApiSocket(project)) return project;
  const services: Record<string, ServiceConfig> = {};
  for (const [key, service] of Object.entries(project.services))
    services[key] = service.use_api_socket === true ? handedSocket(service, handoff.socketPath) : service;
  return {
    ...project,
    services,
    configs: { ...project.configs, [API_SOCKET_CONFIG]: { name: API_SOCKET_CONFIG, content: handoff.dockerConfig } },
  };
}

function handedSocket(service: ServiceConfig, socketPath: string): ServiceConfig {
  return {
    ...service,
    volumes: [...service.volumes, { type: 'bind', source: socketPath, target: API_SOCKET_TARGET }],
    // A DOCKER_CONFIG the service sets says where its client looks: Compose leaves it alone.
    environment:
      'DOCKER_CONFIG' in service.environment
        ? service.environment
        : { ...service.environment, DOCKER_CONFIG: DOCKER_CONFIG_DIR },
    configs: [...(service.configs ?? []), { source: API_SOCKET_CONFIG, target: `${DOCKER_CONFIG_DIR}/config.json` }],
  };
}
