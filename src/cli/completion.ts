// `clusterip completion bash|zsh`: a script that completes the commands and each command's options
// (the words come from the help texts, so they cannot drift from what the parser takes), and file
// names after -f. zsh runs the bash function through bashcompinit.

/** The script for `shell`; `words` maps each command to its options. */
export function completionScript(shell: 'bash' | 'zsh', words: Record<string, string[]>): string {
  const commands = [...Object.keys(words), 'completion', 'help'].sort();
  const cases = Object.entries(words)
    .map(([command, options]) => `    ${command}) words="${options.join(' ')}" ;;`)
    .join('\n');
  const bash = `# clusterip ${shell} completion: source <(clusterip completion ${shell})
_clusterip() {
  local cur prev words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${commands.join(' ')}" -- "$cur") )
    return
  fi
  case "$prev" in
    -f|--filename|--state) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  case "\${COMP_WORDS[1]}" in
${cases}
    completion) words="bash zsh" ;;
    help) words="${Object.keys(words).join(' ')}" ;;
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _clusterip clusterip
`;
  return shell === 'bash' ? bash : `#compdef clusterip\nautoload -U +X bashcompinit && bashcompinit\n${bash}`;
}
