#!/usr/bin/env bash
# reviewgate installer: puts the reviewgate hooks into bare repositories.
#
#   ./install.sh [options] REPO.git [REPO.git...]
#   ./install.sh --demo
#
# Options:
#   --layout plain|gitea|gitlab|gitolite   where hooks go (default: detected per repo)
#   --chain          keep an existing foreign hook and run it before ours
#   --with-update    also install the per-ref `update` hook (plain and gitea layouts)
#   --bin-dir DIR    where the binaries are copied (default: /usr/local/libexec/reviewgate
#                    as root, else ~/.local/libexec/reviewgate)
#   --from DIR       copy binaries from DIR instead of building them
#   --uninstall      remove our hooks and restore what was there
#   --dry-run        print the plan, change nothing
#   --demo           build, then play a short story in a sandbox (offline)
#   -h, --help       this text
#
# Binaries are *copied* to --bin-dir and the hooks call them by absolute path,
# so the hooks keep working after this clone is removed. Never prompts.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
layout=""
chain=0
with_update=0
bin_dir=""
from=""
uninstall=0
dry_run=0
demo=0
repos=()

die() { echo "install.sh: error: $*" >&2; exit 2; }
say() { echo "install.sh: $*"; }
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --layout) [ $# -ge 2 ] || die "--layout needs a value"; layout=$2; shift 2 ;;
    --layout=*) layout=${1#--layout=}; shift ;;
    --chain) chain=1; shift ;;
    --with-update) with_update=1; shift ;;
    --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a value"; bin_dir=$2; shift 2 ;;
    --bin-dir=*) bin_dir=${1#--bin-dir=}; shift ;;
    --from) [ $# -ge 2 ] || die "--from needs a value"; from=$2; shift 2 ;;
    --from=*) from=${1#--from=}; shift ;;
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

bin_dir_given=1
# Paths are written single-quoted into the wrappers: refuse what would break that.
case "$bin_dir" in
  *\'*) die "--bin-dir must not contain a single quote: $bin_dir" ;;
esac
case "$bin_dir" in
  *[[:cntrl:]]*) die "--bin-dir must not contain control characters (newlines, tabs)" ;;
esac
if [ -z "$bin_dir" ]; then
  bin_dir_given=0
  if [ "$(id -u)" = 0 ]; then bin_dir=/usr/local/libexec/reviewgate
  else bin_dir="${HOME:-/tmp}/.local/libexec/reviewgate"; fi
fi

BINS=(reviewgate-pre-receive reviewgate-update reviewgate)
MARK="# reviewgate hook wrapper"

run() { if [ "$dry_run" = 1 ]; then echo "  would: $*"; else "$@"; fi; }

# Build (or find) the binaries and copy them to $bin_dir.
build_and_copy() {
  local src
  if [ -n "$from" ]; then
    src=$from
  else
    command -v cargo >/dev/null || die "cargo not found: install Rust (https://rustup.rs) or pass --from DIR"
    if [ "$dry_run" = 1 ]; then
      echo "  would: cargo build --release --locked"
    else
      say "building release binaries (cargo build --release --locked)"
      (cd "$here" && cargo build --release --locked --quiet) || die "build failed"
    fi
    src="$here/target/release"
  fi
  local b
  for b in "${BINS[@]}"; do
    if [ "$dry_run" = 0 ] && [ ! -x "$src/$b" ]; then die "missing binary $src/$b"; fi
  done
  if [ "$dry_run" = 1 ]; then
    echo "  would: copy ${BINS[*]} to $bin_dir"
    return
  fi
  mkdir -p "$bin_dir"
  for b in "${BINS[@]}"; do
    if ! cmp -s "$src/$b" "$bin_dir/$b" 2>/dev/null; then
      cp "$src/$b" "$bin_dir/$b.tmp.$$" && chmod 755 "$bin_dir/$b.tmp.$$" && mv -f "$bin_dir/$b.tmp.$$" "$bin_dir/$b"
      say "installed $bin_dir/$b"
    fi
  done
}

# git on a repository possibly owned by another user (installer run as root).
rgit() { local r=$1; shift; git -c safe.directory="$r" -C "$r" "$@"; }

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

# Install hook $2 at path $1 (plain-style slot that may hold a foreign hook).
install_slot() {
  local path=$1 kind=$2 chained=""
  if [ -e "$path" ] || [ -L "$path" ]; then
    if is_ours "$path"; then
      # Ours already: keep whatever it chains, refresh if the text changed.
      if [ -e "$path.reviewgate-orig" ]; then chained="$path.reviewgate-orig"; fi
    elif [ "$chain" = 1 ]; then
      if [ -e "$path.reviewgate-orig" ] || [ -L "$path.reviewgate-orig" ]; then
        die "$path.reviewgate-orig already exists (an earlier chain); move one of them away first"
      fi
      run mv "$path" "$path.reviewgate-orig"
      chained="$path.reviewgate-orig"
      say "chaining existing $(basename "$path") (kept as $(basename "$path").reviewgate-orig)"
    else
      die "$path exists and is not reviewgate's. Re-run with --chain to run it before reviewgate, or move it away."
    fi
  fi
  write_hook "$path" "$(wrapper "$kind" "$chained")"
}

write_hook() {
  local path=$1 text=$2
  if [ -e "$path" ] && [ "$(cat "$path")" = "$text" ]; then
    say "unchanged $path"
    return
  fi
  if [ "$dry_run" = 1 ]; then echo "  would: write $path"; return; fi
  mkdir -p "$(dirname "$path")"
  printf '%s\n' "$text" >"$path.tmp.$$"
  chmod 755 "$path.tmp.$$"
  mv -f "$path.tmp.$$" "$path"
  say "wrote $path"
}

uninstall_slot() {
  local path=$1
  if is_ours "$path"; then
    if is_pristine "$path"; then
      run rm -f "$path"
      say "removed $path"
    else
      # Edited since we wrote it: keep it, as found.
      run mv "$path" "$path.reviewgate-edited"
      say "$path was edited after install: kept as $(basename "$path").reviewgate-edited"
    fi
    if [ -e "$path.reviewgate-orig" ] || [ -L "$path.reviewgate-orig" ]; then
      run mv "$path.reviewgate-orig" "$path"
      say "restored the previous $(basename "$path")"
    fi
  fi
}

# Every slot reviewgate can occupy in a repository, in any layout.
all_slots() {
  local repo=$1 hooks=$2
  printf '%s\n' "$hooks/pre-receive" "$hooks/update" "$hooks/pre-receive.d/reviewgate" \
    "$hooks/update.d/reviewgate" "$repo/custom_hooks/pre-receive.d/reviewgate"
}

do_repo() {
  local repo=$1
  [ -d "$repo" ] || die "$repo: no such directory"
  repo=$(cd "$repo" && pwd)
  rgit "$repo" rev-parse --git-dir >/dev/null 2>&1 || die "$repo: not a git repository"
  local hooks
  hooks=$(rgit "$repo" rev-parse --git-path hooks)
  case "$hooks" in /*) ;; *) hooks="$repo/$hooks" ;; esac
  local lay=$layout
  [ -n "$lay" ] || lay=$(detect_layout "$repo" "$hooks")
  say "$repo: layout $lay, hooks in $hooks"
  local slots=()
  case "$lay" in
    plain) slots=("$hooks/pre-receive:pre-receive"); [ "$with_update" = 1 ] && slots+=("$hooks/update:update") ;;
    gitea) slots=("$hooks/pre-receive.d/reviewgate:pre-receive"); [ "$with_update" = 1 ] && slots+=("$hooks/update.d/reviewgate:update") ;;
    gitlab) slots=("$repo/custom_hooks/pre-receive.d/reviewgate:pre-receive") ;;
    gitolite) slots=("$hooks/pre-receive:pre-receive") ;; # gitolite owns `update`
  esac
  if [ "$lay" = gitlab ] && [ -e "$repo/custom_hooks" ] && [ ! -d "$repo/custom_hooks" ]; then
    die "$repo/custom_hooks exists and is not a directory; GitLab's server hooks go in custom_hooks/pre-receive.d/ (move the file away)"
  fi
  local s
  if [ "$uninstall" = 1 ]; then
    while IFS= read -r s; do
      uninstall_slot "$s"
    done < <(all_slots "$repo" "$hooks")
    if [ "$(rgit "$repo" config --get reviewgate.installedAdvertise 2>/dev/null)" = true ]; then
      run rgit "$repo" config --unset receive.advertisePushOptions
      run rgit "$repo" config --unset reviewgate.installedAdvertise
    fi
    return
  fi
  # Our hook in a slot of another layout (installed earlier with a different
  # --layout) is replaced, not doubled.
  local wanted other
  while IFS= read -r other; do
    wanted=0
    for s in "${slots[@]}"; do [ "${s%%:*}" = "$other" ] && wanted=1; done
    if [ "$wanted" = 0 ] && is_ours "$other"; then
      say "removing our hook from $other (another layout)"
      uninstall_slot "$other"
    fi
  done < <(all_slots "$repo" "$hooks")
  for s in "${slots[@]}"; do
    install_slot "${s%%:*}" "${s##*:}"
  done
  if [ "$(rgit "$repo" config --get receive.advertisePushOptions 2>/dev/null)" != true ]; then
    run rgit "$repo" config receive.advertisePushOptions true
    run rgit "$repo" config reviewgate.installedAdvertise true
    say "set receive.advertisePushOptions=true (push options reach the hooks)"
  fi
}

demo() {
  local sb
  sb=$(mktemp -d "${TMPDIR:-/tmp}/reviewgate-demo.XXXXXX")
  # The demo keeps everything, binaries included, inside its sandbox.
  [ "$bin_dir_given" = 1 ] || bin_dir="$sb/bin"
  build_and_copy >/dev/null
  export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME="$sb"
  export GIT_AUTHOR_NAME="Dee Veloper" GIT_AUTHOR_EMAIL="dee@example.com"
  export GIT_COMMITTER_NAME="Dee Veloper" GIT_COMMITTER_EMAIL="dee@example.com"
  unset GIT_DIR GIT_WORK_TREE
  git init -q --bare -b main "$sb/server.git"
  do_repo "$sb/server.git" >/dev/null
  git init -q -b main "$sb/work"
  cd "$sb/work"
  git remote add origin "$sb/server.git"
  step() { if [ -t 1 ]; then printf '\n\033[1m== %s\033[0m\n' "$*"; else printf '\n== %s\n' "$*"; fi; }
  show() { printf '$ %s\n' "$*"; "$@" 2>&1 | sed 's/[[:space:]]*$//' || true; }
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
  echo "Try: cd $sb/work && $bin_dir/reviewgate explain ai-unreviewed"
}

if [ "$demo" = 1 ]; then
  demo
  exit 0
fi

[ ${#repos[@]} -gt 0 ] || { usage; die "no repository given"; }
if [ "$uninstall" = 0 ]; then build_and_copy; fi
for r in "${repos[@]}"; do do_repo "$r"; done
if [ "$dry_run" = 1 ]; then say "dry run: nothing changed"; fi
