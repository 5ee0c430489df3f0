#!/usr/bin/env bash
# Builds svasim(1) from the binary's own --help texts with help2man: the top-level help as DESCRIPTION and
# OPTIONS, every command's --help as a COMMANDS section, and packaging/svasim.h2m (NAME, FILES, EXIT STATUS,
# ENVIRONMENT, SEE ALSO). The page cannot drift from the options: it is rebuilt with the binary.
# Usage: packaging/make-man.sh SVASIM HELP2MAN INCLUDE.h2m OUT.1.gz
set -euo pipefail
svasim=$1 help2man=$2 include=$3 out=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# roff: a backslash is \e, and a line starting with . or ' would be a request.
roff_text() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

# help2man joins the lines of a paragraph: the top-level footer (examples, exit codes) goes into EXAMPLES
# verbatim instead, and help2man reads the help without it, from a wrapper named svasim (the page's name).
mkdir "$work/bin"
cat > "$work/bin/svasim" <<WRAPPER
#!/bin/sh
if [ "\$1" = --help ]; then "$svasim" --help | sed '/^Examples:/,\$d'; else exec "$svasim" "\$@"; fi
WRAPPER
chmod +x "$work/bin/svasim"

{
  cat "$include"
  echo
  echo "[EXAMPLES]"
  echo ".nf"
  "$svasim" --help | sed -n '/^Examples:/,$p' | sed 1d | roff_text
  echo ".fi"
  echo
  echo "[COMMANDS]"
  # The commands: the names under "Subcommands:", up to the blank line that ends the list.
  "$svasim" --help | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {exit} on {print $1}' | while read -r cmd; do
    echo ".SS \"svasim $cmd\""
    echo ".nf"
    "$svasim" "$cmd" --help | roff_text
    echo ".fi"
  done
} > "$work/svasim.h2m"

# SOURCE_DATE_EPOCH (when set, as by dpkg-buildpackage) makes the page's date, and so the .deb, reproducible.
"$help2man" --no-info --section 1 --include "$work/svasim.h2m" --output "$work/svasim.1" "$work/bin/svasim"
gzip -9n < "$work/svasim.1" > "$out.tmp"
mv "$out.tmp" "$out"
