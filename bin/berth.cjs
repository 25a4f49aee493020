#!/usr/bin/env node
'use strict';
// Starts the bundled CLI (dist/cli/berth.cjs, made by `npm run build`) from V8's code cache: the first
// run of each command compiles it and saves the compiled code, later runs skip parsing and compiling.
// This is what Node 22's module.enableCompileCache() does; berth runs on Node 20, which lacks it. The
// caches live in $XDG_CACHE_HOME/berth/code (default ~/.cache); BERTH_NO_CACHE=1 turns them off.
// Without a bundle (only `tsc` was run), and with --debug, the ES modules in dist/ run as they are: the
// bundle's identifiers are minified, the modules' stack traces name berth's own functions.
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

/** `bundle` names the build and, with `cacheRoot`, where main caches loaded stacks; main marks `readStack`. */
function run(main, bundle) {
  return main(args, undefined, bundle).then((code) => {
    process.exitCode = code;
  });
}

/** The file's bytes, or undefined when it cannot be read. */
function readOr(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

let source;
try {
  // The bundle is ASCII: no UTF-8 decoding needed.
  source = args.includes('--debug') ? undefined : readFileSync(bundle, 'latin1');
} catch {
  source = undefined;
}

if (source === undefined) {
  import('../dist/cli/main.js').then(({ main }) => run(main, undefined));
} else {
  const build = /^\/\/ berth-build:([0-9a-f]+)/.exec(source)?.[1];
  const env = process.env;
  const cacheBase = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  const useCache = build !== undefined && cacheBase !== undefined && !env.BERTH_NO_CACHE;
  const cacheRoot = useCache ? join(cacheBase, 'berth') : undefined;
  const cacheDir = useCache ? join(cacheRoot, 'code') : '';
  // Two caches per command: one made by a run that found its stack in the project cache (the usual
  // run: lean, quick to load), one by a run that read the stack's files (which compiled the loader too,
  // a third more to load). A run uses the lean one when there is one. A lean run that had only the
  // other leaves a mark, and the next run compiles afresh to make the lean one: a cache made from a
  // loaded cache holds everything that cache held.
  const cacheFile = (kind) => join(cacheDir, `${build}-${commandOf(args)}${kind}`);
  const wantLean = useCache && readOr(cacheFile('.want-lean')) !== undefined;
  let cachedData = useCache && !wantLean ? readOr(cacheFile('.bin')) : undefined;
  const lean = cachedData !== undefined;
  if (useCache && !lean && !wantLean) cachedData = readOr(cacheFile('-read.bin'));
  // The bundle is already wrapped as a CommonJS module's function (scripts/bundle.js).
  const script = new vm.Script(source, { filename: bundle, cachedData });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
  const info = build === undefined ? undefined : { build, cacheRoot };
  run(mod.exports.main, info).then(() => {
    if (!useCache) return;
    const readStack = info.readStack === true;
    const usable = cachedData !== undefined && !script.cachedDataRejected;
    if (usable && (lean || readStack)) return;
    // After the run, so that the functions the command used are compiled and go into the cache. A
    // cache that cannot be written (a read-only install) only costs speed.
    try {
      mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
      if (usable) {
        writeFileSync(cacheFile('.want-lean'), '');
        return;
      }
      const target = cacheFile(readStack ? '-read.bin' : '.bin');
      const tmp = `${target}.${process.pid}`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, target);
      if (!readStack && wantLean) unlinkSync(cacheFile('.want-lean'));
      // Caches of other builds are of no use any more.
      for (const name of readdirSync(cacheDir)) if (!name.startsWith(`${build}-`)) unlinkSync(join(cacheDir, name));
    } catch {
      // no cache this time
    }
  });
}
