#!/usr/bin/env node
// Build step (after tsc): precompile schemas/stack.schema.json into standalone validation code,
// dist/config/stack-validate.js, which the loader imports instead of compiling the schema with
// Ajv at every start. Usage: node scripts/schema-compile.js [OUT_FILE]
import { existsSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const compiler = new URL('../dist/config/schema-compile.js', import.meta.url);
if (!existsSync(compiler)) {
  process.stderr.write('schema-compile: dist/config/schema-compile.js is missing; run tsc first\n');
  process.exit(1);
}
const { standaloneModule } = await import(compiler.href);
const out = process.argv[2] ?? fileURLToPath(new URL('../dist/config/stack-validate.js', import.meta.url));
writeFileSync(out, standaloneModule());
process.stdout.write(`schema-compile: wrote ${out}\n`);
