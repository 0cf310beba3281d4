# Writes what the guest's stage 2 reads from the job directory (sourced by run): a POSIX sh
# script `command` (working directory, environment, placement, exec of the command), the share
# path, and the fifos the output ports are relayed through.

# Prints its arguments as POSIX sh words: each in single quotes, a quote as '\''.
sh_quote() {
  local out='' arg q="'" esc="'\\''"
  for arg in "$@"; do
    out+=" '${arg//$q/$esc}'"
  done
  printf '%s' "${out# }"
}

# write_job JOB IN_CGROUP SHARE CGROUP [--env=K=V...] -- COMMAND [ARG...]
write_job() {
  local job=$1 in_cgroup=$2 share=$3 cgroup=$4
  shift 4
  local envs=() e
  while [[ "$1" != -- ]]; do
    e=${1#--env=}
    [[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env wants NAME=VALUE, got $e"
    envs+=("$e")
    shift
  done
  shift

  {
    printf 'cd %s 2>/dev/null || cd /\n' "$(sh_quote "$PWD")"
    for e in "${envs[@]}"; do
      printf 'export %s\n' "$(sh_quote "$e")"
    done
    if [[ -n "$cgroup" ]]; then
      printf 'exec %s\n' "$(sh_quote "$in_cgroup" "$cgroup" "$@")"
    else
      printf 'exec %s\n' "$(sh_quote "$@")"
    fi
  } >"$job/command"

  if [[ -n "$share" ]]; then
    printf '%s\n' "$share" >"$job/share"
  fi
  mkfifo "$job/stdout" "$job/stderr"
}
