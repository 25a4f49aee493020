/** Docker Compose's labels (so the tools people use group berth's objects), and berth's own extras. */
export const Label = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  number: 'com.docker.compose.container-number',
  oneoff: 'com.docker.compose.oneoff',
  configHash: 'com.docker.compose.config-hash',
  workingDir: 'com.docker.compose.project.working_dir',
  configFiles: 'com.docker.compose.project.config_files',
  environmentFile: 'com.docker.compose.project.environment_file',
  version: 'com.docker.compose.version',
  image: 'com.docker.compose.image',
  dependsOn: 'com.docker.compose.depends_on',
  containerNumber: 'com.docker.compose.container-number',
  network: 'com.docker.compose.network',
  volume: 'com.docker.compose.volume',
  replace: 'com.docker.compose.replace',
  /** berth: salted per-key digests of the config the hash was computed from, for field-level diffs (plan/hash.ts). */
  berthConfig: 'dev.berth.config',
  berthVersion: 'dev.berth.version',
  /**
   * berth, on volumes it creates: the hash of what the engine cannot change on an existing volume
   * (driver and driver options). Its own label, not Compose's `config-hash`, whose serialization differs
   * between Compose versions: a mismatch there would make Compose offer to delete the data.
   */
  volumeHash: 'dev.berth.volume-hash',
  /** berth, on containers: the external volumes the container mounts, so `down -v` without the stack file spares them. */
  externalVolumes: 'dev.berth.external-volumes',
} as const;

/** The Compose version berth reports in `com.docker.compose.version`, so Compose accepts our objects. */
export const COMPOSE_COMPAT_VERSION = '2.29.0';
