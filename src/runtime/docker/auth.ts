/**
 * Registry credentials as the docker CLI finds them: the config file (`$DOCKER_CONFIG/config.json`,
 * else `~/.docker/config.json`) with `auths` (base64 `user:password`, or an identity token),
 * `credsStore` (one helper for every registry) and `credHelpers` (a helper per registry); a helper is
 * the program `docker-credential-<name>`, run with `get` and the server address on stdin.
 * Credentials go to the engine in a header and nowhere else: never printed, never in an error.
 */
import { join } from 'node:path';
import { RegistryAuthError } from '../../errors.js';
import type { RegistryAuth } from '../runtime.js';

/** Docker Hub's key in config files and its name for the engine. */
export const HUB_AUTH_KEY = 'https://index.docker.io/v1/';

export interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string } | null>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export type Env = Record<string, string | undefined>;

/**
 * Runs a credential helper: `docker-credential-<helper> <action>` (`get` unless said) with `input` on
 * stdin; returns what it printed.
 */
export type HelperRunner = (
  helper: string,
  input: string,
  action?: 'get' | 'list',
) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

export interface CredentialWorld {
  env: Env;
  readText(path: string): string | undefined;
  runHelper: HelperRunner;
}

export function dockerConfigPath(env: Env): string {
  const dir = env['DOCKER_CONFIG'] || join(env['HOME'] || '/root', '.docker');
  return join(dir, 'config.json');
}

/** The registry a reference lives in: "127.0.0.1:5000" for "127.0.0.1:5000/app", "docker.io" for "busybox". */
export function registryHost(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    return first === 'index.docker.io' || first === 'registry-1.docker.io' ? 'docker.io' : first;
  }
  return 'docker.io';
}

/** A config key ("https://127.0.0.1:5000/v2/", "http://reg", "reg:5000") as a bare host, as the docker CLI compares them. */
export function hostOfKey(key: string): string {
  let k = key.trim().replace(/^[a-z]+:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  return k === 'index.docker.io' || k === 'registry-1.docker.io' ? 'docker.io' : k;
}

/** How the engine and helpers want a host named: Docker Hub by its legacy URL. */
export function serverAddressFor(host: string): string {
  return host === 'docker.io' ? HUB_AUTH_KEY : host;
}

/** `X-Registry-Auth`: base64url JSON; `{}` when there are no credentials (push insists on the header). */
export function encodeAuthHeader(auth: RegistryAuth | undefined): string {
  return urlBase64(JSON.stringify(auth ? engineAuth(auth) : {}));
}

/** `X-Registry-Config` for a build: credentials of every registry a base image may come from. */
export function encodeAuthConfigs(auths: RegistryAuth[]): string {
  const out: Record<string, ReturnType<typeof engineAuth>> = {};
  for (const a of auths) out[a.serverAddress] = engineAuth(a);
  return urlBase64(JSON.stringify(out));
}

/** The URL-safe alphabet with `=` padding kept: the engine (Go's base64.URLEncoding) rejects it unpadded. */
export function urlBase64(text: string): string {
  return Buffer.from(text).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

function engineAuth(a: RegistryAuth): {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
} {
  const out: { username?: string; password?: string; identitytoken?: string; serveraddress: string } = {
    serveraddress: a.serverAddress,
  };
  if (a.username !== undefined) out.username = a.username;
  if (a.password !== undefined) out.password = a.password;
  if (a.identityToken !== undefined) out.identitytoken = a.identityToken;
  return out;
}

/** Replaces every secret of `auth` in `text` by `***`: for messages the engine or a helper wrote. */
export function redact(text: string, auth: RegistryAuth | undefined): string {
  let out = text;
  for (const s of [auth?.password, auth?.identityToken]) {
    if (s && s.length >= 3) out = out.split(s).join('***');
  }
  return out;
}

export class CredentialStore {
  private config: DockerConfigFile | undefined;
  private readonly cache = new Map<string, Promise<RegistryAuth | undefined>>();
  readonly configPath: string;

  constructor(private readonly world: CredentialWorld) {
    this.configPath = dockerConfigPath(world.env);
  }

  private file(): DockerConfigFile {
    if (this.config) return this.config;
    const text = this.world.readText(this.configPath);
    if (text === undefined || text.trim() === '') return (this.config = {});
    try {
      const parsed: unknown = JSON.parse(text);
      this.config = typeof parsed === 'object' && parsed !== null ? parsed : {};
    } catch {
      throw new RegistryAuthError(`cannot read the Docker config ${this.configPath}: not valid JSON`, {
        hint: 'fix or remove the file',
      });
    }
    return this.config;
  }

  /** Registries the config file names (for a build's base images). */
  knownHosts(): string[] {
    const f = this.file();
    return [...new Set([...Object.keys(f.auths ?? {}), ...Object.keys(f.credHelpers ?? {})].map(hostOfKey))];
  }

  /**
   * Every login the config file and its helpers hold, by the key the docker CLI would write it under
   * (its `GetAllCredentials`): with a `credsStore`, each server that helper lists, else each `auths`
   * entry of the file; then each `credHelpers` registry, which wins over both.
   */
  async allCredentials(): Promise<Record<string, RegistryAuth>> {
    const f = this.file();
    const keys = f.credsStore ? await this.listed(f.credsStore) : Object.keys(f.auths ?? {});
    const out: Record<string, RegistryAuth> = {};
    for (const key of [...keys, ...Object.keys(f.credHelpers ?? {})]) {
      const auth = await this.forHost(hostOfKey(key));
      if (auth) out[key] = auth;
    }
    return out;
  }

  /** The servers a credential helper holds logins for (`list`: a JSON map of server to user name). */
  private async listed(helper: string): Promise<string[]> {
    const program = `docker-credential-${helper}`;
    let res: { exitCode: number; stdout: string; stderr: string };
    try {
      res = await this.world.runHelper(helper, '', 'list');
    } catch (err) {
      throw new RegistryAuthError(
        `cannot run the credential helper ${program}: ${(err as Error).message.split('\n')[0]}`,
        {
          hint: `install ${program}, or remove "credsStore" from ${this.configPath}`,
        },
      );
    }
    if (res.exitCode !== 0)
      throw new RegistryAuthError(
        `the credential helper ${program} could not list its logins: ${(res.stderr || res.stdout).trim().split('\n')[0] ?? ''}`,
      );
    try {
      const parsed: unknown = JSON.parse(res.stdout || '{}');
      return typeof parsed === 'object' && parsed !== null ? Object.keys(parsed) : [];
    } catch {
      throw new RegistryAuthError(`the credential helper ${program} listed its logins in something that is not JSON`);
    }
  }

  /** Credentials for the registry of `ref`; `undefined` when none are configured. */
  forImage(ref: string): Promise<RegistryAuth | undefined> {
    return this.forHost(registryHost(ref));
  }

  forHost(host: string): Promise<RegistryAuth | undefined> {
    let p = this.cache.get(host);
    if (!p) {
      p = this.lookup(host);
      this.cache.set(host, p);
    }
    return p;
  }

  private async lookup(host: string): Promise<RegistryAuth | undefined> {
    const f = this.file();
    const helperKey = Object.keys(f.credHelpers ?? {}).find((k) => hostOfKey(k) === host);
    const helper = helperKey !== undefined ? f.credHelpers![helperKey] : f.credsStore;
    if (helper) {
      const fromHelper = await this.fromHelper(helper, host);
      if (fromHelper) return fromHelper;
    }
    const key = Object.keys(f.auths ?? {}).find((k) => hostOfKey(k) === host);
    const entry = key === undefined ? undefined : f.auths![key];
    if (!entry) return undefined;
    const out: RegistryAuth = { serverAddress: serverAddressFor(host), source: this.configPath };
    if (entry.identitytoken) out.identityToken = entry.identitytoken;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0)
        throw new RegistryAuthError(
          `the login for ${host} in ${this.configPath} is malformed ("auth" is not base64 of user:password)`,
        );
      out.username = decoded.slice(0, colon);
      out.password = decoded.slice(colon + 1);
    } else {
      if (entry.username !== undefined) out.username = entry.username;
      if (entry.password !== undefined) out.password = entry.password;
    }
    return out.username !== undefined || out.identityToken !== undefined ? out : undefined;
  }

  private async fromHelper(helper: string, host: string): Promise<RegistryAuth | undefined> {
    const program = `docker-credential-${helper}`;
    const address = serverAddressFor(host);
    let res: { exitCode: number; stdout: string; stderr: string };
    try {
      res = await this.world.runHelper(helper, address);
    } catch (err) {
      throw new RegistryAuthError(
        `cannot run the credential helper ${program} for ${host}: ${(err as Error).message.split('\n')[0]}`,
        {
          hint: `install ${program}, or remove "${helper}" from ${this.configPath}`,
        },
      );
    }
    const said = `${res.stdout}\n${res.stderr}`;
    if (res.exitCode !== 0) {
      if (/credentials not found/i.test(said)) return undefined;
      throw new RegistryAuthError(
        `the credential helper ${program} failed for ${host}: ${(res.stderr || res.stdout).trim().split('\n')[0] ?? ''}`,
      );
    }
    let parsed: { Username?: string; Secret?: string };
    try {
      parsed = JSON.parse(res.stdout) as { Username?: string; Secret?: string };
    } catch {
      throw new RegistryAuthError(`the credential helper ${program} gave an answer that is not JSON for ${host}`);
    }
    if (!parsed.Secret) return undefined;
    const out: RegistryAuth = { serverAddress: address, source: program };
    // A helper stores an identity token under the user name "<token>".
    if (parsed.Username === '<token>') out.identityToken = parsed.Secret;
    else {
      out.username = parsed.Username ?? '';
      out.password = parsed.Secret;
    }
    return out;
  }
}

/**
 * A Docker config file that holds `auths` and nothing else, as the docker CLI writes one (its
 * `SaveToWriter`): user and password as base64 `auth`, an identity token as is, tab-indented.
 */
export function dockerConfigWith(auths: Record<string, RegistryAuth>): string {
  const entries: Record<string, { auth?: string; identitytoken?: string }> = {};
  for (const [key, a] of Object.entries(auths)) {
    const entry: { auth?: string; identitytoken?: string } = {};
    if (a.username || a.password)
      entry.auth = Buffer.from(`${a.username ?? ''}:${a.password ?? ''}`).toString('base64');
    if (a.identityToken) entry.identitytoken = a.identityToken;
    entries[key] = entry;
  }
  return JSON.stringify({ auths: entries }, null, '\t');
}

/** The real world: the file system and execa. */
export async function defaultHelperRunner(
  helper: string,
  input: string,
  action: 'get' | 'list' = 'get',
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const { execa } = await import('execa');
  const r = await execa(`docker-credential-${helper}`, [action], { input, reject: false, timeout: 30_000 });
  if (r.failed && r.exitCode === undefined) throw new Error(r.shortMessage);
  return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
}
