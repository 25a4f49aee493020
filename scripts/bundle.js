#!/usr/bin/env node
// Build step (after tsc and schema-compile): bundle the CLI into one CommonJS file, dist/cli/berth.cjs,
// which bin/berth.cjs runs with V8's code cache. One file instead of ~400 modules spares the module
// resolution, and CommonJS can be compiled from a code cache where ES modules cannot on Node 20.
// Lazy imports stay lazy: esbuild turns each `import()` of our own modules into a function that runs
// the module's body on first use.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/cli/berth.cjs`;

/**
 * commander requires node:child_process at load, for executable subcommands berth does not have; that
 * pulls in net, stream and dgram at every start. Give it a stand-in that loads the module on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'child_process', namespace: 'lazy-builtin' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: [`${root}dist/cli/main.js`],
  outfile: out,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // `import()` becomes `require()`: a script compiled with a code cache has no loader for import().
  supported: { 'dynamic-import': false },
  // The bundle sits in dist/cli/, as deep as the modules it replaces, so URLs relative to a module
  // (the schema file) still point where they did.
  define: { 'import.meta.url': '__berth_url', __BERTH_BUNDLED__: 'true' },
  banner: { js: "const __berth_url = require('node:url').pathToFileURL(__filename).href;" },
  // Smaller source to read at every start (a quarter less with short identifiers). Functions and
  // classes keep their `name` (an error's name is its class's); --debug runs the unbundled modules,
  // whose stack traces name the functions as written.
  minifyWhitespace: true,
  minifySyntax: true,
  minifyIdentifiers: true,
  keepNames: true,
  charset: 'ascii',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyChildProcess],
});

// The first line names the build: the loader keys its code cache by it, so a cache never outlives its bundle.
// The body is wrapped here as Node wraps a CommonJS module, so that the loader compiles the file as read
// instead of copying 1.5 MB of source into a wrapper at every start.
const body = readFileSync(out, 'latin1');
const id = createHash('sha256').update(body).digest('hex').slice(0, 16);
const wrapped = `(function (exports, require, module, __filename, __dirname) {${body}\n})`;
writeFileSync(out, `// berth-build:${id}\n${wrapped}`, 'latin1');
process.stdout.write(`bundle: wrote ${out} (${Math.round(body.length / 1024)} KiB, build ${id})\n`);
