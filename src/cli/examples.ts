/**
 * The examples under `berth COMMAND --help`, by command path ("up", "stack ls"), kept apart from
 * main.ts so that a command's flags and its examples can change without touching the same lines. A
 * command that already shows examples of its own (added where it is declared) keeps those.
 */
import type { EventEmitter } from 'node:events';
import type { Command } from 'commander';

export const EXAMPLES: Record<string, string[]> = {
  up: ['berth up -d', 'berth up --wait --wait-timeout 60 web', 'berth up --build --remove-orphans', 'berth up --watch'],
  watch: ['berth watch', 'berth watch --no-up web', 'berth --progress json watch api'],
  down: ['berth down', 'berth down -v --remove-orphans', 'berth -p demo down'],
  plan: ['berth plan', 'berth plan --format json web'],
  config: ['berth config', 'berth config --services', 'berth -f compose.yaml -f prod.yaml config -o resolved.yaml'],
  build: ['berth build', 'berth build --no-cache --build-arg VERSION=2 web'],
  pull: ['berth pull', 'berth pull --ignore-pull-failures db cache'],
  push: ['berth push', 'berth push --ignore-push-failures web'],
  images: ['berth images', 'berth images -q web'],
  scale: ['berth scale web=3', 'berth scale --no-deps web=2 worker=4', 'berth scale web=1'],
  attach: ['berth attach web', 'berth attach --no-stdin --index 2 worker', 'berth attach --detach-keys ctrl-x web'],
  stats: ['berth stats', 'berth stats --no-stream web', 'berth stats --no-stream --format json'],
  volumes: ['berth volumes', 'berth volumes -q db', 'berth volumes --format json'],
  completion: [
    'berth completion bash > /etc/bash_completion.d/berth',
    'berth completion zsh > "${fpath[1]}/_berth"',
    'berth completion fish > ~/.config/fish/completions/berth.fish',
  ],
  version: ['berth version', 'berth version --short'],
  stack: ['berth stack deploy -c compose.yaml shop', 'berth stack ps shop'],
  'stack ls': ['berth stack ls', 'berth stack ls --format json'],
  'stack ps': ['berth stack ps shop', 'berth stack ps -q shop'],
  'stack services': ['berth stack services shop', 'berth stack services --format json shop'],
  'stack rm': ['berth stack rm shop'],
};

/** The help text an example list becomes. */
export function examplesText(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

/** Whether text is already added after the command's help (commander is an EventEmitter, its typings say not). */
function showsHelpAfter(cmd: Command): boolean {
  return (cmd as unknown as EventEmitter).listenerCount('afterHelp') > 0;
}

/** Adds its examples to each command (and subcommand) that shows none yet. */
export function addExamples(program: Command, prefix = ''): void {
  for (const cmd of program.commands) {
    const path = `${prefix}${cmd.name()}`;
    const lines = EXAMPLES[path];
    if (lines && !showsHelpAfter(cmd)) cmd.addHelpText('after', examplesText(lines));
    if (cmd.commands.length > 0) addExamples(cmd, `${path} `);
  }
}
