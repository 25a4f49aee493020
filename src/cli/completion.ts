/**
 * `berth completion bash|zsh|fish`: shell completion scripts made from the commander program itself
 * (`describeProgram`), so a command or flag added to main.ts completes without another edit. The
 * scripts complete commands, subcommands, flags (and the choices of those that have some) and, where a
 * command takes services, the stack's service names, asked of `berth config --services` at completion
 * time with the `-f`/`-p`/`--project-directory`/`--env-file`/`--profile` flags already typed. Pure.
 */
import type { Command, Option } from 'commander';
import { UsageError } from '../errors.js';

export interface CompletionFlag {
  long?: string | undefined;
  short?: string | undefined;
  /** The next word is the flag's value. */
  value: boolean;
  choices?: string[] | undefined;
  description: string;
}

export interface CompletionCommand {
  /** "up", "stack deploy". */
  path: string;
  name: string;
  description: string;
  /** Listed (and offered) flags. */
  flags: CompletionFlag[];
  /** Flags whose next word is a value, the global ones it also accepts included. */
  valueFlags: string[];
  /** Flags with a fixed set of values, the global ones it also accepts included. */
  choiceFlags: CompletionFlag[];
  /** Its arguments are service names. */
  services: boolean;
  commands: CompletionCommand[];
}

export interface CompletionModel {
  global: CompletionCommand;
  /** Every command and subcommand, in declaration order. */
  commands: CompletionCommand[];
}

/** The global flags that choose the stack, handed to `berth config --services`. */
const STACK_FLAGS = ['-f', '--file', '-p', '--project-name', '--project-directory', '--env-file', '--profile'];
const HELP: CompletionFlag = { short: '-h', long: '--help', value: false, description: 'display help for command' };

function flagOf(o: Option): CompletionFlag {
  return {
    long: o.long,
    short: o.short,
    value: o.required,
    choices: o.argChoices,
    description: o.description,
  };
}

const names = (f: CompletionFlag): string[] => [f.short, f.long].filter((n): n is string => n !== undefined);

function describeCommand(cmd: Command, parentPath: string, globalFlags: CompletionFlag[]): CompletionCommand {
  const path = parentPath ? `${parentPath} ${cmd.name()}` : cmd.name();
  const flags = [...cmd.options.filter((o) => !o.hidden).map(flagOf), HELP];
  const own = new Set(flags.flatMap(names));
  // Global flags are accepted after the command too, where it has no flag of that name (main.ts's acceptGlobalsAfter).
  const late = globalFlags
    .map((f) => ({ ...f, short: f.short && !own.has(f.short) ? f.short : undefined }))
    .filter((f) => f.long !== undefined && !own.has(f.long));
  return {
    path,
    name: cmd.name(),
    description: cmd.description(),
    flags,
    valueFlags: [...flags, ...late].filter((f) => f.value).flatMap(names),
    choiceFlags: [...flags, ...late].filter((f) => f.choices?.length),
    services: cmd.registeredArguments.some((a) => a.name().startsWith('service')),
    commands: cmd.commands.map((c) => describeCommand(c, path, globalFlags)),
  };
}

/** What the completion scripts need to know of the program. */
export function describeProgram(program: Command): CompletionModel {
  const globalFlags = program.options.filter((o) => !o.hidden).map(flagOf);
  const top = program.commands.map((c) => describeCommand(c, '', globalFlags));
  const global: CompletionCommand = {
    path: '',
    name: program.name(),
    description: program.description(),
    flags: [...globalFlags, HELP],
    valueFlags: globalFlags.filter((f) => f.value).flatMap(names),
    choiceFlags: globalFlags.filter((f) => f.choices?.length),
    services: false,
    commands: top,
  };
  const all: CompletionCommand[] = [];
  const walk = (cs: CompletionCommand[]): void => {
    for (const c of cs) {
      all.push(c);
      walk(c.commands);
    }
  };
  walk(top);
  return { global, commands: all };
}

/** The script for one shell; another shell is a UsageError naming those there are. */
export function completionScript(shell: string, model: CompletionModel): string {
  if (shell === 'bash') return bashScript(model);
  if (shell === 'zsh') return zshScript(model);
  if (shell === 'fish') return fishScript(model);
  throw new UsageError(`completion supports bash, zsh and fish, got "${shell}"`, {
    hint: 'e.g. berth completion bash > /etc/bash_completion.d/berth',
  });
}

/** Single-quoted for bash and zsh. */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
/** Single-quoted for fish. */
const fq = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

const withGlobal = (m: CompletionModel): CompletionCommand[] => [m.global, ...m.commands];

/** `case` arms: `'up|-t'|'up|--timeout'`, one per command and value flag (bash and zsh share the syntax). */
function valueFlagPatterns(m: CompletionModel): string {
  return withGlobal(m)
    .flatMap((c) => c.valueFlags.map((f) => q(`${c.path}|${f}`)))
    .join('|');
}

function choiceArms(m: CompletionModel, reply: (words: string) => string): string[] {
  return withGlobal(m).flatMap((c) =>
    c.choiceFlags.map(
      (f) =>
        `    ${names(f)
          .map((n) => q(`${c.path}|${n}`))
          .join('|')}) ${reply(f.choices!.join(' '))}; return ;;`,
    ),
  );
}

const pathPatterns = (m: CompletionModel): string => m.commands.map((c) => q(c.path)).join('|');
const servicePaths = (m: CompletionModel): string =>
  m.commands
    .filter((c) => c.services)
    .map((c) => q(c.path))
    .join('|');

/** The shell function (bash and zsh alike) that finds the command path of the words typed so far. */
function pathFinder(fn: string, words: string, start: number, end: string, m: CompletionModel): string {
  return `${fn}_path() {
  local i w skip=0
  __berth_cmd='' __berth_first=0
  for ((i = ${start}; i < ${end}; i++)); do
    w=\${${words}[i]}
    if ((skip)); then skip=0; continue; fi
    if [[ $w == -* ]]; then
      case "$__berth_cmd|$w" in
        ${valueFlagPatterns(m)}) skip=1 ;;
      esac
      continue
    fi
    case "\${__berth_cmd:+$__berth_cmd }$w" in
      ${pathPatterns(m)})
        __berth_cmd="\${__berth_cmd:+$__berth_cmd }$w"
        ((__berth_first)) || __berth_first=$i ;;
    esac
  done
}`;
}

/** The service lister (bash and zsh alike): the stack flags typed before the command, then `config --services`. */
function servicesLister(words: string, start: number): string {
  return `__berth_services() {
  local -a args=()
  local i
  for ((i = ${start}; i < __berth_first; i++)); do
    case \${${words}[i]} in
      ${STACK_FLAGS.join('|')}) args+=("\${${words}[i]}" "\${${words}[i+1]}"); ((i++)) ;;
    esac
  done
  berth "\${args[@]}" config --services 2>/dev/null
}`;
}

function bashScript(m: CompletionModel): string {
  const flagArms = withGlobal(m).map(
    (c) => `      ${q(c.path)}) COMPREPLY=($(compgen -W ${q(c.flags.flatMap(names).join(' '))} -- "$cur")) ;;`,
  );
  const commandArms = withGlobal(m)
    .filter((c) => c.commands.length > 0)
    .map(
      (c) => `    ${q(c.path)}) COMPREPLY=($(compgen -W ${q(c.commands.map((s) => s.name).join(' '))} -- "$cur")) ;;`,
    );
  return `# bash completion for berth (made by \`berth completion bash\`)
${pathFinder('__berth', 'COMP_WORDS', 1, 'COMP_CWORD', m)}

${servicesLister('COMP_WORDS', 1)}

_berth() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  __berth_path
  case "$__berth_cmd|$prev" in
${choiceArms(m, (w) => `COMPREPLY=($(compgen -W ${q(w)} -- "$cur"))`).join('\n')}
    ${valueFlagPatterns(m)}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    case "$__berth_cmd" in
${flagArms.join('\n')}
    esac
    return
  fi
  case "$__berth_cmd" in
${commandArms.join('\n')}
    ${servicePaths(m)}) COMPREPLY=($(compgen -W "$(__berth_services)" -- "$cur")) ;;
  esac
}

complete -F _berth berth
`;
}

/** zsh `_describe` items: `'name:description'`, colons in the name escaped. */
const describeItems = (items: [string, string][]): string =>
  items.map(([n, d]) => q(`${n.replace(/:/g, '\\:')}:${oneLine(d)}`)).join(' ');

function zshScript(m: CompletionModel): string {
  const flagArms = withGlobal(m).map(
    (c) =>
      `      ${q(c.path)}) items=(${describeItems(c.flags.flatMap((f) => names(f).map((n): [string, string] => [n, f.description])))}) ;;`,
  );
  const commandArms = withGlobal(m)
    .filter((c) => c.commands.length > 0)
    .map(
      (c) =>
        `    ${q(c.path)}) items=(${describeItems(c.commands.map((s): [string, string] => [s.name, s.description]))}); _describe -t commands command items ;;`,
    );
  return `#compdef berth
# zsh completion for berth (made by \`berth completion zsh\`)
${pathFinder('__berth', 'words', 2, 'CURRENT', m)}

${servicesLister('words', 2)}

_berth() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]}
  local -a items
  __berth_path
  case "$__berth_cmd|$prev" in
${choiceArms(m, (w) => `compadd -- ${w}`).join('\n')}
    ${valueFlagPatterns(m)}) _files; return ;;
  esac
  if [[ $cur == -* ]]; then
    case "$__berth_cmd" in
${flagArms.join('\n')}
    esac
    _describe -t flags flag items
    return
  fi
  case "$__berth_cmd" in
${commandArms.join('\n')}
    ${servicePaths(m)}) compadd -- \${(f)"$(__berth_services)"} ;;
  esac
}

if [[ "$funcstack[1]" == _berth ]]; then
  _berth "$@"
else
  compdef _berth berth
fi
`;
}

function fishFlag(c: CompletionCommand, f: CompletionFlag): string {
  const parts = [`complete -c berth -n ${fq(`__berth_at ${fq(c.path)}`)}`];
  if (f.short) parts.push(`-s ${f.short.slice(1)}`);
  if (f.long) parts.push(`-l ${f.long.slice(2)}`);
  if (f.choices?.length) parts.push(`-x -a ${fq(f.choices.join(' '))}`);
  else if (f.value) parts.push('-r -F');
  parts.push(`-d ${fq(oneLine(f.description))}`);
  return parts.join(' ');
}

function fishScript(m: CompletionModel): string {
  const lines = withGlobal(m).flatMap((c) => [
    ...c.commands.map(
      (s) => `complete -c berth -n ${fq(`__berth_at ${fq(c.path)}`)} -a ${s.name} -d ${fq(oneLine(s.description))}`,
    ),
    ...c.flags.map((f) => fishFlag(c, f)),
    ...(c.services ? [`complete -c berth -n ${fq(`__berth_at ${fq(c.path)}`)} -a '(__berth_services)'`] : []),
  ]);
  const valueFlags = withGlobal(m)
    .flatMap((c) => c.valueFlags.map((f) => fq(`${c.path}|${f}`)))
    .join(' ');
  return `# fish completion for berth (made by \`berth completion fish\`)
function __berth_path
    set -l path ''
    set -l skip 0
    set -l tokens (commandline -opc)
    set -e tokens[1]
    for w in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        if string match -q -- '-*' $w
            contains -- "$path|$w" ${valueFlags}; and set skip 1
            continue
        end
        set -l next (string trim -- "$path $w")
        contains -- $next ${m.commands.map((c) => fq(c.path)).join(' ')}; and set path $next
    end
    echo $path
end

function __berth_at
    set -l path (__berth_path)
    test "$path" = "$argv[1]"
end

function __berth_services
    set -l tokens (commandline -opc)
    set -l args
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case ${STACK_FLAGS.join(' ')}
                set -a args $tokens[$i] $tokens[(math $i + 1)]
                set i (math $i + 1)
            case '-*'
            case '*'
                break
        end
        set i (math $i + 1)
    end
    berth $args config --services 2>/dev/null
end

complete -c berth -f
${lines.join('\n')}
`;
}
