#!/usr/bin/env bash
# The .deb as a user installs it: cpack builds it from this build directory; its metadata, its file list,
# and the extracted tree are checked: the binary runs a shipped scenario from /usr/share/svasim, the man
# page has its sections and every command, and the bash completion completes commands, options, profiles
# and parameters against the extracted binary. (Installing it with apt is a manual step: README.)
# Exit 77 (ctest: skipped) with the reason when the build has no man page (help2man missing at configure).
# Usage: test_deb.sh BUILD_DIR
set -euo pipefail
build=$1
fail() { echo "FAIL: $*"; exit 1; }

[ -f "$build/svasim.1.gz" ] || { echo "SKIPPED: no man page in $build (help2man was not found at configure; scripts/setup installs it)"; exit 77; }
command -v dpkg-deb > /dev/null || { echo "SKIPPED: dpkg-deb not found"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cpack --config "$build/CPackConfig.cmake" -B "$tmp/pkg" > "$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; fail "cpack"; }
deb=$(ls "$tmp"/pkg/svasim_*.deb)
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

# Metadata: named, versioned, and its run-time libraries found by dpkg-shlibdeps.
[ "$(dpkg-deb -f "$deb" Package)" = svasim ] || fail "package name"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
! dpkg-deb -f "$deb" Description | grep -q ' ;' || fail "the Description carries CMake list separators"
for lib in libsimgrid libc6 libstdc++6; do
  grep -q "$lib" <<< "$depends" || fail "Depends lacks $lib"
done

# Files: where a Debian user looks for them; the broken scenarios (test inputs) stay out.
dpkg-deb -c "$deb" | awk '{print $NF}' > "$tmp/files"
for f in ./usr/bin/svasim ./usr/share/man/man1/svasim.1.gz ./usr/share/bash-completion/completions/svasim \
         ./usr/share/svasim/scenarios/seed-4dev-1iommu.json ./usr/share/svasim/scenarios/sweeps/vm-vcpus.json \
         ./usr/share/svasim/scenarios/scenario.schema.json ./usr/share/svasim/scenarios/sweep.schema.json \
         ./usr/share/doc/svasim/README.md ./usr/share/doc/svasim/PARAMETERS.md ./usr/share/doc/svasim/SCHEMA.md; do
  grep -qx "$f" "$tmp/files" || fail "the package lacks $f"
done
! grep -q "/broken/" "$tmp/files" || fail "the package ships scenarios/broken"

# The extracted binary runs a shipped scenario from its installed place.
root=$tmp/root
dpkg-deb -x "$deb" "$root"
bin=$root/usr/bin/svasim
"$bin" --version | grep -q "^svasim " || fail "--version"
out=$("$bin" run "$root/usr/share/svasim/scenarios/seed-4dev-1iommu.json" --set duration_us=200) || fail "run exited $?"
grep -q "unmap (from due)" <<< "$out" || fail "run printed no latency table: $out"
"$bin" validate "$root/usr/share/svasim/scenarios/vm-vcpus.json" > /dev/null || fail "validate a shipped scenario"

# The man page: sections, every command and its options, nothing left as a raw roff request.
zcat "$root/usr/share/man/man1/svasim.1.gz" > "$tmp/svasim.1"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS FILES '"EXIT STATUS"' ENVIRONMENT '"SEE ALSO"'; do
  grep -q "^\.SH $section" "$tmp/svasim.1" || fail "man page lacks section $section"
done
for cmd in $("$bin" --help | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {exit} on {print $1}'); do
  grep -q "^\.SS \"svasim $cmd\"" "$tmp/svasim.1" || fail "man page lacks command $cmd"
done
grep -q -- "--profile" "$tmp/svasim.1" || fail "man page lacks --profile"
if command -v man > /dev/null; then
  MANWIDTH=100 man -l "$tmp/svasim.1" 2> "$tmp/man.err" | grep -q "Exit codes" || fail "man -l renders no exit codes"
  [ ! -s "$tmp/man.err" ] || { cat "$tmp/man.err"; fail "man -l warned"; }
fi

# Bash completion, against the extracted binary (first on PATH), without the bash-completion package.
complete_words() {  # words... : COMPREPLY for the last word, one per line
  PATH="$root/usr/bin:$PATH" bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));
                                      _svasim; printf "%s\n" "${COMPREPLY[@]}"' _ \
    "$root/usr/share/bash-completion/completions/svasim" "$@"
}
expect() {  # expected-line words...
  local want=$1
  shift
  complete_words "$@" > "$tmp/reply"
  grep -qxF -- "$want" "$tmp/reply" || { cat "$tmp/reply"; fail "completing '$*' does not offer '$want'"; }
}
expect run svasim ru
expect compare svasim co
expect --profile svasim run x.json --prof
expect --resume svasim sweep --res
expect linux-6.12-vtd svasim run x.json --profile linux-6.1
expect linux-6.9-vtd,linux-6.12-vtd svasim run x.json --profile linux-6.9-vtd,linux-6.12
expect params.vtd.qi_batch_size= svasim run x.json --set params.vtd.qi_b
expect scenario svasim list --schema sc
echo "ok: package, files, run, man page and completion"
