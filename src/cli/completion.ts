/**
 * `ntk completion bash|zsh`: a shell completion script for the commands, each command's flags (read from its
 * --help text) and the preset names after `ntk run`. Install: `ntk completion bash > ~/.local/share/bash-completion/completions/ntk`
 * or `eval "$(ntk completion bash)"` in ~/.bashrc; zsh: `eval "$(ntk completion zsh)"` in ~/.zshrc (after compinit).
 */
import { ConfigError } from '../errors.js';
import { listPresets } from '../experiments/preset.js';
import '../experiments/presets/index.js';
import { didYouMean } from '../util/suggest.js';
import type { Command, CommandEntry } from './command.js';

/** The flags a usage text mentions (`--name`), in order of first appearance. */
export function usageFlags(usage: string): string[] {
  return [...new Set(usage.match(/--[a-z][a-z0-9-]*/g) ?? [])];
}

const SHELLS = ['bash', 'zsh'] as const;

export async function completionScript(shell: string, commands: readonly CommandEntry[]): Promise<string> {
  if (!(SHELLS as readonly string[]).includes(shell))
    throw new ConfigError('shell', `must be bash or zsh; got '${shell}'${didYouMean(shell, SHELLS)}`);
  const names = commands.map((c) => c.name);
  const flags: Record<string, string[]> = {};
  for (const c of commands) flags[c.name] = [...usageFlags((await c.load()).usage), '--help'];
  const presets = listPresets().map((p) => p.name);
  const cases = names.map((n) => `    ${n}) opts=${JSON.stringify(flags[n].join(' '))} ;;`).join('\n');
  const bash = `# ntk bash completion (ntk completion bash)
_ntk() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]} opts=""
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W ${JSON.stringify(`${names.join(' ')} --help --version`)} -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ $cmd == run && $COMP_CWORD -eq 2 ]]; then
    COMPREPLY=($(compgen -W ${JSON.stringify(presets.join(' '))} -- "$cur") $(compgen -f -- "$cur"))
  elif [[ $cmd == completion ]]; then
    COMPREPLY=($(compgen -W "bash zsh" -- "$cur"))
  elif [[ $cmd == data && $COMP_CWORD -eq 2 ]]; then
    COMPREPLY=($(compgen -W "describe list" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _ntk ntk
`;
  if (shell === 'bash') return bash;
  // zsh: the same function through bashcompinit (one definition to keep right)
  return `# ntk zsh completion (ntk completion zsh)
autoload -Uz bashcompinit && bashcompinit
${bash}`;
}

export function completion(commands: readonly CommandEntry[]): Command {
  return {
    usage: `ntk completion bash|zsh

Prints a shell completion script: commands, each command's flags, preset names after \`ntk run\`.
  bash:  eval "$(ntk completion bash)"   in ~/.bashrc
  zsh:   eval "$(ntk completion zsh)"    in ~/.zshrc
(no --json: the output is the script)
Exit codes: 0 ok, 2 bad input (an unknown shell).`,
    async run(argv) {
      if (argv.length !== 1) throw new ConfigError('shell', `expected one of bash, zsh; got ${argv.length} arguments`);
      process.stdout.write(await completionScript(argv[0], commands));
      return 0;
    },
  };
}
