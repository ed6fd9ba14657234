#!/usr/bin/env bash
# reviewgate's bootstrap: builds the binaries (or takes them from --from DIR,
# or from beside this script in an unpacked release), then hands every other
# argument to `reviewgate install`, which does the work.
#
#   ./install.sh --demo                      a short story in a sandbox (offline)
#   ./install.sh [options] REPO.git...       the hooks into bare repositories
#   ./install.sh --shared-hooks DIR --system every repository on this machine
#   ./install.sh --uninstall REPO.git...     take them out again
#   ./install.sh --help                      every option (reviewgate install --help)
#
# Exit codes: 0 done; 1 some repository failed (the others were done, see
# the summary); 2 nothing was done (a usage error, cargo missing, a failed
# build). Never prompts.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
from=""
demo=0
help=0
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --from)
      [ $# -ge 2 ] || { echo "install.sh: error: --from needs a value" >&2; exit 2; }
      from=$2; shift 2 ;;
    --from=*) from=${1#--from=}; shift ;;
    --demo) demo=1; shift ;;
    -h|--help) help=1; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

if [ -z "$from" ] && [ -x "$here/reviewgate" ] && [ -x "$here/reviewgate-pre-receive" ]; then
  from=$here # an unpacked release: the binaries are beside this script
fi
if [ -z "$from" ]; then
  if [ "$help" = 1 ] && [ ! -x "$here/target/release/reviewgate" ]; then
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    echo "(after a build, ./install.sh --help prints every option)"
    exit 0
  fi
  command -v cargo >/dev/null 2>&1 \
    || { echo "install.sh: error: cargo not found: install Rust (https://rustup.rs) or pass --from DIR" >&2; exit 2; }
  echo "install.sh: building release binaries: cargo build --release --locked (3 to 5 minutes on a fresh two-core machine; cargo's progress follows)"
  (cd "$here" && cargo build --release --locked) \
    || { echo "install.sh: error: build failed (nothing was installed)" >&2; exit 2; }
  from="$here/target/release"
fi
[ -x "$from/reviewgate" ] || { echo "install.sh: error: missing binary $from/reviewgate" >&2; exit 2; }

if [ "$help" = 1 ]; then
  exec "$from/reviewgate" install --help
elif [ "$demo" = 1 ]; then
  exec "$from/reviewgate" demo --from "$from" ${args[@]+"${args[@]}"}
fi
exec "$from/reviewgate" install --from "$from" ${args[@]+"${args[@]}"}
