#!/usr/bin/env bash
# reviewgate installer: puts the reviewgate hooks into bare repositories, or
# server-wide, so that every repository is protected.
#
#   ./install.sh [options] REPO.git [REPO.git...]   one or more repositories
#   ./install.sh --shared-hooks DIR [--system]      plain git: a hooks folder for core.hooksPath
#   ./install.sh --template DIR [--system]          plain git: every repository `git init` makes
#   ./install.sh --gitolite [--gitolite-user USER]  gitolite: common hooks (LOCAL_CODE), every repository
#   ./install.sh --gitlab-hooks-dir DIR             GitLab: the server hooks folder (custom_hooks_dir)
#   ./install.sh --client [--cli-dir DIR]           the reviewgate command on your PATH
#   ./install.sh --demo                             build, then a short story in a sandbox (offline)
#
# Options:
#   --layout plain|gitea|gitlab|gitolite   where hooks go (default: detected per repo)
#   --chain          keep an existing foreign hook and run it before ours
#   --with-update    also install the per-ref `update` hook (not with gitolite, which owns it)
#   --default-branch NAME   point HEAD at refs/heads/NAME (the policy is read from HEAD's branch)
#   --bin-dir DIR    where the binaries are copied (default: /usr/local/libexec/reviewgate
#                    as root, else ~/.local/libexec/reviewgate)
#   --from DIR       copy binaries from DIR instead of building them
#   --system         with --shared-hooks/--template: also set it in git's system config
#   --uninstall      remove our hooks and restore what was there
#   --dry-run        print what would be done (the real commands), change nothing
#   -h, --help       this text
#
# Exit codes: 0 done; 1 some repository failed (the others were done, see the
# summary); 2 nothing was done (a usage error, git or cargo missing, a failed build).
# Binaries are *copied* to --bin-dir and the hooks call them by absolute path,
# so the hooks keep working after this clone is removed. Never prompts.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
layout=""
chain=0
with_update=0
bin_dir=""
from=""
uninstall=0
dry_run=0
demo=0
default_branch=""
shared_hooks=""
template=""
gitolite=0
gitolite_user=""
gitlab_dir=""
client=0
cli_dir=""
system=0
repos=()

die() { echo "install.sh: error: $*" >&2; exit 2; }
say() { echo "install.sh: $*"; }
warn() { echo "install.sh: warning: $*" >&2; }
usage() { sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; }

# A value for option $1, or a usage error.
need() { [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --layout) need "$1" $#; layout=$2; shift 2 ;;
    --layout=*) layout=${1#--layout=}; shift ;;
    --chain) chain=1; shift ;;
    --with-update) with_update=1; shift ;;
    --default-branch) need "$1" $#; default_branch=$2; shift 2 ;;
    --default-branch=*) default_branch=${1#--default-branch=}; shift ;;
    --bin-dir) need "$1" $#; bin_dir=$2; shift 2 ;;
    --bin-dir=*) bin_dir=${1#--bin-dir=}; shift ;;
    --from) need "$1" $#; from=$2; shift 2 ;;
    --from=*) from=${1#--from=}; shift ;;
    --shared-hooks) need "$1" $#; shared_hooks=$2; shift 2 ;;
    --template) need "$1" $#; template=$2; shift 2 ;;
    --gitolite) gitolite=1; shift ;;
    --gitolite-user) need "$1" $#; gitolite_user=$2; shift 2 ;;
    --gitlab-hooks-dir) need "$1" $#; gitlab_dir=$2; shift 2 ;;
    --client) client=1; shift ;;
    --cli-dir) need "$1" $#; cli_dir=$2; shift 2 ;;
    --system) system=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    --demo) demo=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; repos+=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) repos+=("$1"); shift ;;
  esac
done

case "$layout" in ""|plain|gitea|gitlab|gitolite) ;; *) die "unknown layout '$layout' (plain, gitea, gitlab, gitolite)" ;; esac
command -v git >/dev/null 2>&1 || die "git is not on PATH: install git first"
if [ -n "$default_branch" ]; then
  git check-ref-format --branch "$default_branch" >/dev/null 2>&1 \
    || die "--default-branch $default_branch: not a valid branch name"
fi
if [ "$system" = 1 ] && [ -z "$shared_hooks$template" ]; then
  die "--system goes with --shared-hooks or --template"
fi

bin_dir_given=1
# Paths are written single-quoted into the wrappers: refuse what would break that.
for p in "$bin_dir" "$shared_hooks" "$template" "$gitlab_dir"; do
  case "$p" in
    *\'*) die "a path must not contain a single quote: $p" ;;
    *[[:cntrl:]]*) die "a path must not contain control characters (newlines, tabs)" ;;
  esac
done
if [ -z "$bin_dir" ]; then
  bin_dir_given=0
  if [ "$(id -u)" = 0 ]; then bin_dir=/usr/local/libexec/reviewgate
  else bin_dir="${HOME:-/tmp}/.local/libexec/reviewgate"; fi
fi
case "$bin_dir" in /*) ;; *) bin_dir="$(pwd)/$bin_dir" ;; esac

BINS=(reviewgate-pre-receive reviewgate-update reviewgate)
MARK="# reviewgate hook wrapper"

# A command as it would be typed: each word quoted only where the shell needs it.
quote() {
  local out="" w
  for w in "$@"; do
    case "$w" in
      ""|*[!A-Za-z0-9_./:=@%+,-]*) w="'${w//\'/\'\\\'\'}'" ;;
    esac
    out="$out${out:+ }$w"
  done
  printf '%s' "$out"
}

# Run a command, or in a dry run print it as it would run.
run() {
  if [ "$dry_run" = 1 ]; then
    if [ "$1" = rgit ]; then
      local r=$2; shift 2
      echo "  would run: $(quote git -C "$r" "$@")"
    else
      echo "  would run: $(quote "$@")"
    fi
    return 0
  fi
  "$@"
}

# Report an action: "$1" in the past tense, or "would $2" in a dry run.
did() {
  if [ "$dry_run" = 1 ]; then echo "  would $2"; else say "$1"; fi
}

# Build (or find) the binaries and copy them to $bin_dir.
build_and_copy() {
  local src
  if [ -n "$from" ]; then
    src=$from
  else
    command -v cargo >/dev/null || die "cargo not found: install Rust (https://rustup.rs) or pass --from DIR"
    if [ "$dry_run" = 1 ]; then
      echo "  would run: cargo build --release --locked (in $here)"
    else
      say "building release binaries: cargo build --release --locked (about two minutes the first time; cargo's progress follows)"
      (cd "$here" && cargo build --release --locked) || die "build failed (nothing was installed)"
    fi
    src="$here/target/release"
  fi
  local b
  for b in "${BINS[@]}"; do
    if [ "$dry_run" = 0 ] && [ ! -x "$src/$b" ]; then die "missing binary $src/$b"; fi
  done
  if [ "$dry_run" = 1 ]; then
    echo "  would copy ${BINS[*]} to $bin_dir"
    return
  fi
  mkdir -p "$bin_dir" || die "cannot create $bin_dir"
  for b in "${BINS[@]}"; do
    if ! cmp -s "$src/$b" "$bin_dir/$b" 2>/dev/null; then
      { cp "$src/$b" "$bin_dir/$b.tmp.$$" && chmod 755 "$bin_dir/$b.tmp.$$" && mv -f "$bin_dir/$b.tmp.$$" "$bin_dir/$b"; } \
        || die "cannot copy $b to $bin_dir"
      say "installed $bin_dir/$b"
    fi
  done
}

# Where the CLI is, and whether it is on PATH.
where_cli() {
  local on
  on=$(command -v reviewgate 2>/dev/null || true)
  if [ -n "$on" ]; then
    say "the reviewgate command: $bin_dir/reviewgate (on your PATH as $on)"
  else
    say "the reviewgate command: $bin_dir/reviewgate (not on your PATH: ./install.sh --client links it)"
  fi
}

# git on a repository possibly owned by another user (installer run as root).
rgit() { local r=$1; shift; git -c safe.directory="$r" -C "$r" "$@"; }

# `git config` on a repository as root rewrites its config file, owned by
# root and with the old mode (gitolite's 0600): hand it back to the
# repository's owner, or the server's git can no longer read it.
rgit_config() {
  local r=$1; shift
  run rgit "$r" config "$@" || return 1
  if [ "$dry_run" = 0 ] && [ "$(id -u)" = 0 ]; then
    chown --reference="$r" "$r/config" 2>/dev/null || true
  fi
}

detect_layout() {
  local repo=$1 hooks=$2
  if [ -e "$hooks/pre-receive.d/gitea" ] || grep -qs 'gitea\|forgejo' "$hooks/pre-receive" 2>/dev/null; then echo gitea; return; fi
  if [ -d "$repo/custom_hooks" ] || [ -e "$hooks/gitlab-shell" ] || grep -qs 'gitlab' "$hooks/pre-receive" 2>/dev/null; then echo gitlab; return; fi
  if grep -qs 'gitolite' "$hooks/update" 2>/dev/null || [ -e "$repo/gl-conf" ]; then echo gitolite; return; fi
  echo plain
}

# The wrapper text for hook $1 (pre-receive|update), chaining $2 if non-empty.
# Every path in it is single-quoted ($bin_dir is checked to hold no quote or
# control character); a chained pre-receive gets the ref list from a file, and
# every step is checked, so no hook ever sees a truncated list. The third
# line carries a checksum of the rest, so --uninstall can tell an edited
# wrapper (kept as a backup) from its own.
wrapper() {
  local body sum
  body=$(wrapper_body "$@")
  sum=$(printf '%s\n' "$body" | checksum)
  printf '#!/bin/sh\n%s (%s); installed by reviewgate install.sh, do not edit.\n# reviewgate-sum: %s\n%s' "$MARK" "$1" "$sum" "$body"
}

wrapper_body() {
  local kind=$1 chained=$2 bin="$bin_dir/reviewgate-$1"
  if [ -n "$chained" ]; then
    printf '# Runs the previous hook (%s) first; either can reject.\n' "$(basename "$chained")"
    if [ "$kind" = pre-receive ]; then
      cat <<EOF
tmp=\$(mktemp "\${TMPDIR:-/tmp}/reviewgate-refs.XXXXXX") || { echo "reviewgate: cannot create a temporary file in \\\$TMPDIR; push refused" >&2; exit 2; }
trap 'rm -f "\$tmp"' EXIT
cat >"\$tmp" || { echo "reviewgate: cannot save the pushed ref list (is \\\$TMPDIR full?); push refused" >&2; exit 2; }
"\$(dirname "\$0")/$(basename "$chained")" "\$@" <"\$tmp" || exit \$?
'$bin' "\$@" <"\$tmp"
EOF
    else
      printf '"$(dirname "$0")/%s" "$@" || exit $?\n' "$(basename "$chained")"
      printf "exec '%s' \"\$@\"\n" "$bin"
    fi
  else
    printf "exec '%s' \"\$@\"\n" "$bin"
  fi
}

# sha256 of stdin, hex (sha256sum or shasum; "none" without either).
checksum() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 | cut -d' ' -f1
  else cat >/dev/null; echo none; fi
}

is_ours() { grep -qs "^$MARK" "$1"; }

# Ours and exactly as we wrote it (its checksum line matches the rest).
is_pristine() {
  local path=$1 want got
  want=$(sed -n '3s/^# reviewgate-sum: //p' "$path")
  [ -n "$want" ] && [ "$want" != none ] || return 1
  got=$(sed '1,3d' "$path" | checksum)
  [ "$want" = "$got" ]
}

# Whether installing into slot $1 would meet a foreign hook we may not touch.
foreign_in_slot() {
  local path=$1
  { [ -e "$path" ] || [ -L "$path" ]; } && ! is_ours "$path" && [ "$chain" = 0 ]
}

# Install hook $2 at path $1 (a slot that may hold a foreign hook).
install_slot() {
  local path=$1 kind=$2 chained=""
  if [ -e "$path" ] || [ -L "$path" ]; then
    if is_ours "$path"; then
      # Ours already: keep whatever it chains, refresh if the text changed.
      if [ -e "$path.reviewgate-orig" ]; then chained="$path.reviewgate-orig"; fi
    elif [ "$chain" = 1 ]; then
      if [ -e "$path.reviewgate-orig" ] || [ -L "$path.reviewgate-orig" ]; then
        echo "$path.reviewgate-orig already exists (an earlier chain); move one of them away first"
        return 1
      fi
      run mv "$path" "$path.reviewgate-orig" || return 1
      chained="$path.reviewgate-orig"
      did "chained the existing $(basename "$path") (kept as $(basename "$path").reviewgate-orig, runs first)" \
        "keep the existing $(basename "$path") as $(basename "$path").reviewgate-orig and run it first"
    else
      echo "$path exists and is not reviewgate's: re-run with --chain to run it before reviewgate, or move it away"
      return 1
    fi
  fi
  write_hook "$path" "$(wrapper "$kind" "$chained")"
}

write_hook() {
  local path=$1 text=$2
  if [ -e "$path" ] && [ "$(cat "$path")" = "$text" ]; then
    say "unchanged $path"
    return 0
  fi
  if [ "$dry_run" = 1 ]; then echo "  would write $path (calls $bin_dir)"; return 0; fi
  mkdir -p "$(dirname "$path")" || { echo "cannot create $(dirname "$path")"; return 1; }
  { printf '%s\n' "$text" >"$path.tmp.$$" && chmod 755 "$path.tmp.$$" && mv -f "$path.tmp.$$" "$path"; } 2>/dev/null \
    || { rm -f "$path.tmp.$$"; echo "cannot write $path (permissions?)"; return 1; }
  say "wrote $path"
}

# Remove our hook at $1, restoring what it chained. Prints nothing when there
# is nothing of ours; returns 0 when it removed something.
uninstall_slot() {
  local path=$1
  is_ours "$path" || return 1
  if is_pristine "$path"; then
    run rm -f "$path"
    did "removed $path" "remove $path"
  else
    # Edited since we wrote it: keep it, as found.
    run mv "$path" "$path.reviewgate-edited"
    did "$path was edited after install: kept as $(basename "$path").reviewgate-edited" \
      "keep the edited $path as $(basename "$path").reviewgate-edited"
  fi
  if [ -e "$path.reviewgate-orig" ] || [ -L "$path.reviewgate-orig" ]; then
    run mv "$path.reviewgate-orig" "$path"
    did "restored the previous $(basename "$path")" "restore the previous $(basename "$path")"
  fi
  # A folder left empty (pre-receive.d/, custom_hooks/) goes too.
  local dir
  dir=$(dirname "$path")
  case "$(basename "$dir")" in
    pre-receive.d|update.d)
      if [ -d "$dir" ] && [ -z "$(ls -A "$dir" 2>/dev/null)" ]; then
        run rmdir "$dir"
        did "removed the empty $dir" "remove the empty $dir"
        dir=$(dirname "$dir")
        if [ "$(basename "$dir")" = custom_hooks ] && [ -z "$(ls -A "$dir" 2>/dev/null)" ]; then
          run rmdir "$dir"
          did "removed the empty $dir" "remove the empty $dir"
        fi
      fi ;;
  esac
  return 0
}

# Every slot reviewgate can occupy in a repository, in any layout.
all_slots() {
  local repo=$1 hooks=$2
  printf '%s\n' "$hooks/pre-receive" "$hooks/update" "$hooks/pre-receive.d/reviewgate" \
    "$hooks/update.d/reviewgate" "$repo/custom_hooks/pre-receive.d/reviewgate" \
    "$repo/custom_hooks/update.d/reviewgate"
}

# The slots for layout $1 in repository $2 with hooks folder $3, as
# PATH:KIND lines.
slots_for() {
  local lay=$1 repo=$2 hooks=$3
  case "$lay" in
    plain) echo "$hooks/pre-receive:pre-receive"; [ "$with_update" = 1 ] && echo "$hooks/update:update" ;;
    gitea) echo "$hooks/pre-receive.d/reviewgate:pre-receive"; [ "$with_update" = 1 ] && echo "$hooks/update.d/reviewgate:update" ;;
    gitlab) echo "$repo/custom_hooks/pre-receive.d/reviewgate:pre-receive"; [ "$with_update" = 1 ] && echo "$repo/custom_hooks/update.d/reviewgate:update" ;;
    gitolite) echo "$hooks/pre-receive:pre-receive" ;; # gitolite owns `update`
  esac
  return 0
}

# The folder hooks of layout $1 go into, as the layout line names it.
target_folder() {
  case "$1" in
    plain|gitolite) echo "$3" ;;
    gitea) echo "$3/pre-receive.d" ;;
    gitlab) echo "$2/custom_hooks/pre-receive.d" ;;
  esac
}

# Check repository $1 before anything is built or changed. Prints the reason
# and returns 1 if it cannot be installed into; warns about HEAD.
preflight() {
  local repo=$1 hooks lay s dir
  [ -e "$repo" ] || { echo "no such directory"; return 1; }
  [ -d "$repo" ] || { echo "not a directory"; return 1; }
  rgit "$repo" rev-parse --git-dir >/dev/null 2>&1 || { echo "not a git repository"; return 1; }
  [ "$uninstall" = 1 ] && return 0
  hooks=$(rgit "$repo" rev-parse --git-path hooks) || { echo "git cannot read it"; return 1; }
  case "$hooks" in /*) ;; *) hooks="$repo/$hooks" ;; esac
  lay=${layout:-$(detect_layout "$repo" "$hooks")}
  if [ "$lay" = gitlab ] && [ -e "$repo/custom_hooks" ] && [ ! -d "$repo/custom_hooks" ]; then
    echo "$repo/custom_hooks exists and is not a directory; GitLab's server hooks go in custom_hooks/pre-receive.d/ (move the file away)"
    return 1
  fi
  while IFS= read -r s; do
    if foreign_in_slot "${s%%:*}"; then
      echo "${s%%:*} exists and is not reviewgate's: re-run with --chain to run it before reviewgate, or move it away"
      return 1
    fi
    dir=$(dirname "${s%%:*}")
    while [ ! -e "$dir" ]; do dir=$(dirname "$dir"); done
    if [ "$dry_run" = 0 ] && [ ! -w "$dir" ]; then
      echo "$dir is not writable by $(id -un) (run as the repository's owner or as root)"
      return 1
    fi
  done < <(slots_for "$lay" "$repo" "$hooks")
  return 0
}

# HEAD names the branch the policy is read from: say when it names none, and
# point it at --default-branch when given.
check_head() {
  local repo=$1 head branches
  if [ -n "$default_branch" ]; then
    head=$(rgit "$repo" symbolic-ref -q HEAD || true)
    if [ "$head" != "refs/heads/$default_branch" ]; then
      run rgit "$repo" symbolic-ref HEAD "refs/heads/$default_branch" || return 1
      did "$repo: HEAD now names refs/heads/$default_branch (the policy is read from it)" \
        "point HEAD at refs/heads/$default_branch"
    fi
    if ! rgit "$repo" rev-parse -q --verify "refs/heads/$default_branch" >/dev/null; then
      say "$repo: refs/heads/$default_branch does not exist yet: the first push of it makes it the default branch"
    fi
    return 0
  fi
  head=$(rgit "$repo" symbolic-ref -q HEAD || true)
  if [ -z "$head" ]; then
    warn "$repo: HEAD names no branch; the policy is read from HEAD's branch: pass --default-branch NAME"
    return 0
  fi
  if ! rgit "$repo" rev-parse -q --verify "$head" >/dev/null; then
    branches=$(rgit "$repo" for-each-ref --count=3 --format='%(refname:short)' refs/heads/ | tr '\n' ' ')
    if [ -n "$branches" ]; then
      warn "$repo: HEAD names $head, which does not exist (branches: $branches): the repository's policy would never be read; pass --default-branch NAME"
    elif [ "$head" = refs/heads/master ]; then
      warn "$repo: HEAD names master (git init's default) and the repository is empty: if your team pushes main, pass --default-branch main"
    fi
  fi
  return 0
}

# The audit log's folder, owned by the repository's owner (a root install
# must not leave a folder the git user cannot write).
audit_folder() {
  local repo=$1 log dir
  log=$(rgit "$repo" config --get reviewgate.auditLog 2>/dev/null || echo reviewgate/audit.jsonl)
  case "$log" in /*) ;; *) log="$repo/$log" ;; esac
  dir=$(dirname "$log")
  [ -d "$dir" ] && return 0
  run mkdir -p "$dir" || return 1
  if [ "$(id -u)" = 0 ]; then run chown --reference="$repo" "$dir" || return 1; fi
  did "created the audit log's folder $dir (owned by the repository's owner)" \
    "create the audit log's folder $dir, owned by the repository's owner"
}

# Install into (or uninstall from) one repository; prints why and returns 1
# on failure.
do_repo() {
  local repo=$1 hooks lay s other wanted found
  repo=$(cd "$repo" && pwd)
  hooks=$(rgit "$repo" rev-parse --git-path hooks) || { echo "git cannot read it"; return 1; }
  case "$hooks" in /*) ;; *) hooks="$repo/$hooks" ;; esac
  if [ "$uninstall" = 1 ]; then
    found=0
    while IFS= read -r s; do
      if uninstall_slot "$s"; then found=1; fi
    done < <(all_slots "$repo" "$hooks")
    if [ "$(rgit "$repo" config --get reviewgate.installedAdvertise 2>/dev/null)" = true ]; then
      rgit_config "$repo" --unset receive.advertisePushOptions
      rgit_config "$repo" --unset reviewgate.installedAdvertise
      did "unset receive.advertisePushOptions (set at install)" "unset receive.advertisePushOptions (set at install)"
      found=1
    fi
    [ "$found" = 1 ] || say "$repo: nothing to remove (no reviewgate hook here)"
    return 0
  fi
  lay=${layout:-$(detect_layout "$repo" "$hooks")}
  say "$repo: layout $lay: hooks go in $(target_folder "$lay" "$repo" "$hooks")"
  if [ "$with_update" = 1 ] && [ "$lay" = gitolite ]; then
    say "$repo: --with-update ignored: gitolite owns the update hook (pre-receive judges every ref)"
  fi
  check_head "$repo" || return 1
  # Our hook in a slot of another layout (installed earlier with a different
  # --layout) is replaced, not doubled.
  while IFS= read -r other; do
    wanted=0
    while IFS= read -r s; do [ "${s%%:*}" = "$other" ] && wanted=1; done < <(slots_for "$lay" "$repo" "$hooks")
    if [ "$wanted" = 0 ] && is_ours "$other"; then
      say "moving our hook out of $other (another layout)"
      uninstall_slot "$other" >/dev/null
    fi
  done < <(all_slots "$repo" "$hooks")
  while IFS= read -r s; do
    install_slot "${s%%:*}" "${s##*:}" || return 1
  done < <(slots_for "$lay" "$repo" "$hooks")
  audit_folder "$repo" || { echo "cannot create the audit log's folder"; return 1; }
  if [ "$(rgit "$repo" config --get receive.advertisePushOptions 2>/dev/null)" != true ]; then
    rgit_config "$repo" receive.advertisePushOptions true || return 1
    rgit_config "$repo" reviewgate.installedAdvertise true || return 1
    did "set receive.advertisePushOptions=true (push options reach the hooks)" \
      "set receive.advertisePushOptions=true (push options reach the hooks)"
  fi
  return 0
}

# --shared-hooks DIR / --template DIR: one hooks folder many repositories use.
do_shared() {
  local dir=$1 key=$2 hooks=$3 what=$4 failed=0
  case "$dir" in /*) ;; *) dir="$(pwd)/$dir" ;; esac
  case "$hooks" in /*) ;; *) hooks="$(pwd)/$hooks" ;; esac
  if [ "$uninstall" = 1 ]; then
    uninstall_slot "$hooks/pre-receive" || say "$hooks: nothing to remove"
    uninstall_slot "$hooks/update" || true
    return 0
  fi
  if foreign_in_slot "$hooks/pre-receive"; then
    echo "$hooks/pre-receive exists and is not reviewgate's: re-run with --chain, or move it away" >&2
    return 1
  fi
  build_and_copy
  install_slot "$hooks/pre-receive" pre-receive || failed=1
  if [ "$with_update" = 1 ]; then install_slot "$hooks/update" update || failed=1; fi
  [ "$failed" = 0 ] || return 1
  if [ "$system" = 1 ]; then
    run git config --system "$key" "$dir" || { echo "cannot set $key in git's system config (root?)" >&2; return 1; }
    did "set $key=$dir in git's system config: $what" "set $key=$dir in git's system config: $what"
  else
    say "to use it for $what: git config --system $(quote "$key" "$dir") (or --system here)"
  fi
  where_cli
}

# --gitolite: gitolite's common hooks (its LOCAL_CODE), then every repository.
do_gitolite() {
  local home rc local_code as=() out
  if [ -n "$gitolite_user" ]; then
    home=$(getent passwd "$gitolite_user" | cut -d: -f6)
    [ -n "$home" ] || { echo "no user $gitolite_user" >&2; return 1; }
    if [ "$(id -un)" != "$gitolite_user" ]; then as=(runuser -u "$gitolite_user" --); fi
  else
    home=$HOME
  fi
  rc="$home/.gitolite.rc"
  [ -f "$rc" ] || { echo "$rc not found: run as the gitolite hosting user, or pass --gitolite-user USER" >&2; return 1; }
  local_code=$(sed -n 's/^[[:space:]]*LOCAL_CODE[[:space:]]*=>[[:space:]]*"\(.*\)",[[:space:]]*$/\1/p' "$rc" | head -1)
  local_code=${local_code//\$ENV\{HOME\}/$home}
  local_code=${local_code//\$rc\{GL_ADMIN_BASE\}/$home/.gitolite}
  if [ -z "$local_code" ]; then
    echo "$rc does not set LOCAL_CODE: uncomment (or add) the line  LOCAL_CODE => \"\$ENV{HOME}/local\",  then run this again" >&2
    return 1
  fi
  local slot="$local_code/hooks/common/pre-receive"
  if [ "$uninstall" = 1 ]; then
    uninstall_slot "$slot" || say "$slot: nothing to remove"
  else
    if foreign_in_slot "$slot"; then
      echo "$slot exists and is not reviewgate's: re-run with --chain, or move it away" >&2
      return 1
    fi
    build_and_copy
    install_slot "$slot" pre-receive || return 1
    if [ -n "$gitolite_user" ] && [ "$dry_run" = 0 ] && [ "$(id -u)" = 0 ]; then
      chown -R --reference="$home" "$local_code/hooks" || return 1
    fi
  fi
  if [ "$with_update" = 1 ]; then say "--with-update ignored: gitolite owns the update hook"; fi
  if [ "$dry_run" = 1 ]; then
    echo "  would run: $(quote "${as[@]}" gitolite setup --hooks-only) (puts the common hooks into every repository)"
  else
    out=$(cd "$home" && HOME=$home "${as[@]}" gitolite setup --hooks-only 2>&1) || {
      echo "gitolite setup --hooks-only failed: $out" >&2; return 1; }
    say "ran gitolite setup --hooks-only: every repository has the common hooks"
  fi
  [ "$uninstall" = 1 ] || where_cli
}

# --client: the CLI on PATH.
do_client() {
  local dir=$cli_dir
  if [ -z "$dir" ]; then
    if [ "$(id -u)" = 0 ]; then dir=/usr/local/bin; else dir="${HOME:-/tmp}/.local/bin"; fi
  fi
  if [ "$uninstall" = 1 ]; then
    if [ -L "$dir/reviewgate" ] && [ "$(readlink "$dir/reviewgate")" = "$bin_dir/reviewgate" ]; then
      run rm -f "$dir/reviewgate"
      did "removed $dir/reviewgate" "remove $dir/reviewgate"
    else
      say "$dir/reviewgate: nothing to remove"
    fi
    return 0
  fi
  build_and_copy
  if [ -e "$dir/reviewgate" ] && ! { [ -L "$dir/reviewgate" ] && [ "$(readlink "$dir/reviewgate")" = "$bin_dir/reviewgate" ]; }; then
    echo "$dir/reviewgate exists and is not our link; move it away, or pass --cli-dir DIR" >&2
    return 1
  fi
  run mkdir -p "$dir" || return 1
  run ln -sfn "$bin_dir/reviewgate" "$dir/reviewgate" || return 1
  did "linked $dir/reviewgate -> $bin_dir/reviewgate" "link $dir/reviewgate -> $bin_dir/reviewgate"
  case ":$PATH:" in
    *":$dir:"*) say "reviewgate is on your PATH: try reviewgate explain" ;;
    *) say "$dir is not on your PATH: add it (export PATH=\"$dir:\$PATH\"), then try reviewgate explain" ;;
  esac
}

demo() {
  local sb
  sb=$(mktemp -d "${TMPDIR:-/tmp}/reviewgate-demo.XXXXXX") || die "cannot create a sandbox in ${TMPDIR:-/tmp}"
  # The demo keeps everything, binaries included, inside its sandbox.
  [ "$bin_dir_given" = 1 ] || bin_dir="$sb/bin"
  build_and_copy
  export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$sb"
  export GIT_AUTHOR_NAME="Dee Veloper" GIT_AUTHOR_EMAIL="dee@example.com"
  export GIT_COMMITTER_NAME="Dee Veloper" GIT_COMMITTER_EMAIL="dee@example.com"
  unset GIT_DIR GIT_WORK_TREE
  git init -q --bare -b main "$sb/server.git"
  do_repo "$sb/server.git" >/dev/null || die "could not install into the sandbox"
  git init -q -b main "$sb/work"
  cd "$sb/work" || die "no sandbox"
  git remote add origin "$sb/server.git"
  step() { if [ -t 1 ]; then printf '\n\033[1m== %s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi; }
  show() { printf '$ %s\n' "$(quote "$@")"; "$@" 2>&1 | sed 's/[[:space:]]*$//' || true; }
  step "1. A human commit to main is accepted"
  echo "hello" >README; git add README
  git commit -q -m "Add README"
  show git push origin main
  step "2. An AI-assisted commit without a human review is rejected"
  echo "def parse(): ..." >parser.py; git add parser.py
  git commit -q -m "Add parser" -m "Parses the input format." -m "Co-Authored-By: Claude <noreply@anthropic.com>"
  show git log -1 --format=%B
  show git push origin main
  step "3. The same commit with a Reviewed-by from another person is accepted"
  show git commit -q --amend --no-edit --trailer "Reviewed-by: Ann Lee <ann@example.com>"
  show git push origin main
  step "4. A force-push to main is rejected"
  git commit -q --amend -m "Rewrite history"
  show git push --force origin main
  step "Done"
  echo "Sandbox: $sb (server: $sb/server.git, clone: $sb/work, binaries: $bin_dir)"
  echo "Try: $(quote cd "$sb/work") && $(quote "$bin_dir/reviewgate" explain ai-unreviewed)"
}

if [ "$demo" = 1 ]; then
  demo
  exit 0
fi

# The server-wide and client modes.
modes=0
[ -n "$shared_hooks" ] && modes=$((modes + 1))
[ -n "$template" ] && modes=$((modes + 1))
[ "$gitolite" = 1 ] && modes=$((modes + 1))
[ -n "$gitlab_dir" ] && modes=$((modes + 1))
[ "$client" = 1 ] && modes=$((modes + 1))
if [ "$modes" -gt 0 ]; then
  [ "$modes" = 1 ] || die "choose one of --shared-hooks, --template, --gitolite, --gitlab-hooks-dir, --client"
  [ ${#repos[@]} = 0 ] || die "repositories are not given with --shared-hooks, --template, --gitolite, --gitlab-hooks-dir or --client"
  status=0
  if [ -n "$shared_hooks" ]; then
    do_shared "$shared_hooks" core.hooksPath "$shared_hooks" "every repository on this machine" || status=1
  elif [ -n "$template" ]; then
    do_shared "$template" init.templateDir "$template/hooks" "every repository git init makes from now on" || status=1
  elif [ "$gitolite" = 1 ]; then
    do_gitolite || status=1
  elif [ -n "$gitlab_dir" ]; then
    if [ "$uninstall" = 1 ]; then
      uninstall_slot "$gitlab_dir/pre-receive.d/reviewgate" || say "$gitlab_dir: nothing to remove"
    elif foreign_in_slot "$gitlab_dir/pre-receive.d/reviewgate"; then
      echo "$gitlab_dir/pre-receive.d/reviewgate exists and is not reviewgate's" >&2; status=1
    else
      build_and_copy
      install_slot "$gitlab_dir/pre-receive.d/reviewgate" pre-receive || status=1
      if [ "$status" = 0 ]; then
        say "GitLab runs it for every repository once gitaly's [hooks] custom_hooks_dir is $gitlab_dir"
        where_cli
      fi
    fi
  else
    do_client || status=1
  fi
  if [ "$dry_run" = 1 ]; then say "dry run: nothing was changed"; fi
  exit $status
fi

[ ${#repos[@]} -gt 0 ] || { usage; die "no repository given"; }

# Check every repository first; build only if one can be installed into.
ok_repos=()
failed=()
for r in "${repos[@]}"; do
  if why=$(preflight "$r"); then
    ok_repos+=("$r")
  else
    failed+=("$r: $why")
  fi
done
if [ "$uninstall" = 0 ] && [ ${#ok_repos[@]} -gt 0 ]; then build_and_copy; fi
done_repos=()
for r in "${ok_repos[@]}"; do
  out=$(do_repo "$r" 2>&1)
  rc=$?
  [ -z "$out" ] || printf '%s\n' "$out"
  if [ $rc = 0 ]; then
    done_repos+=("$r")
  else
    failed+=("$r: $(printf '%s\n' "$out" | tail -1)")
  fi
done
[ "$uninstall" = 1 ] || [ ${#done_repos[@]} = 0 ] || where_cli

if [ ${#repos[@]} -gt 1 ] || [ ${#failed[@]} -gt 0 ]; then
  echo "install.sh: summary:"
  for r in "${done_repos[@]}"; do
    if [ "$dry_run" = 1 ]; then echo "  would be done: $r"; else echo "  done: $r"; fi
  done
  for f in "${failed[@]}"; do echo "  FAILED: $f"; done
fi
if [ "$dry_run" = 1 ]; then say "dry run: nothing was changed"; fi
[ ${#failed[@]} = 0 ] || exit 1
exit 0
