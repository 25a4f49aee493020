#!/usr/bin/env node
'use strict';
// Starts the bundled CLI (dist/cli/berth.cjs, made by `npm run build`) from V8's code cache: the first
// run of each command compiles it and saves the compiled code, later runs skip parsing and compiling.
// This is what Node 22's module.enableCompileCache() does; berth runs on Node 20, which lacks it. The
// caches live in $XDG_CACHE_HOME/berth/code (default ~/.cache); BERTH_NO_CACHE=1 turns them off.
// Without a bundle (only `tsc` was run), the ES modules in dist/ run as they are.
const { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { createRequire } = require('node:module');
const vm = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'cli', 'berth.cjs');
const args = process.argv.slice(2);

/** Global options that take a value: their value is not the command. */
const VALUE_OPTIONS = new Set([
  '-f',
  '--file',
  '-p',
  '--project-name',
  '--project-directory',
  '--env-file',
  '--profile',
  '--progress',
  '--parallel',
]);

/** The command the arguments name ("up", "config"…): each keeps its own cache of the code it runs. */
function commandOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return /^[a-z][a-z-]{0,20}$/.test(a) ? a : 'other';
  }
  return 'none';
}

/** `build` names the bundle; with `cacheRoot`, main caches loaded stacks under it too. */
function run(main, build, cacheRoot) {
  return main(args, undefined, build === undefined ? undefined : { build, cacheRoot }).then((code) => {
    process.exitCode = code;
  });
}

let source;
try {
  source = readFileSync(bundle, 'latin1'); // the bundle is ASCII: no UTF-8 decoding needed
} catch {
  source = undefined;
}

if (source === undefined) {
  import('../dist/cli/main.js').then(({ main }) => run(main));
} else {
  const build = /^\/\/ berth-build:([0-9a-f]+)/.exec(source)?.[1];
  const env = process.env;
  const cacheBase = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  const useCache = build !== undefined && cacheBase !== undefined && !env.BERTH_NO_CACHE;
  const cacheRoot = useCache ? join(cacheBase, 'berth') : undefined;
  const cacheDir = useCache ? join(cacheRoot, 'code') : '';
  const cacheFile = join(cacheDir, `${build}-${commandOf(args)}.bin`);
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
  }
  // The bundle is already wrapped as a CommonJS module's function (scripts/bundle.js).
  const script = new vm.Script(source, { filename: bundle, cachedData });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
  run(mod.exports.main, build, cacheRoot).then(() => {
    if (!useCache || (cachedData !== undefined && !script.cachedDataRejected)) return;
    // After the run, so that the functions the command used are compiled and go into the cache. A
    // cache that cannot be written (a read-only install) only costs speed.
    try {
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      const tmp = `${cacheFile}.${process.pid}`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
      // Caches of other builds are of no use any more.
      for (const name of readdirSync(cacheDir)) if (!name.startsWith(`${build}-`)) unlinkSync(join(cacheDir, name));
    } catch {
      // no cache this time
    }
  });
}
