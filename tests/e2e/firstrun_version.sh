#!/bin/bash
# firstrun_version: `endure --version` prints the version and the commit the
# binary was built from (one of HEAD's history when the source is a git
# checkout); a tree without .git (a tarball) builds "unknown", and
# COMMIT=... overrides both.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
v=$("$ENDURE" --version)
ver=$(sed -n 's/^VERSION *:= *//p' "$ENDURE_SRC/Makefile")
[ -n "$ver" ] || fail "no VERSION in the Makefile"
c=$(echo "$v" | sed -n "s/^endure $ver (commit \\([0-9a-f]\\{12\\}\\)\\(-dirty\\)\\{0,1\\})\$/\\1/p")
if [ -e "$ENDURE_SRC/.git" ] && command -v git >/dev/null; then
    [ -n "$c" ] || fail "not 'endure $ver (commit <12 hex digits>)': $v"
    git -C "$ENDURE_SRC" merge-base --is-ancestor "$c" HEAD || fail "$c is not a commit of this checkout's history"
else
    [ "$v" = "endure $ver (commit unknown)" ] || fail "without .git: $v"
fi
[ "$("$ENDURE" version)" = "$v" ] || fail "endure version differs from endure --version"
# the Makefile's choice of commit, in a tree without .git and with COMMIT given
mkdir "$T/tarball"
cp "$ENDURE_SRC/Makefile" "$T/tarball/"
commit_of() { make -s -C "$T/tarball" --no-print-directory -pn "$@" FORCE 2>/dev/null | sed -n 's/^COMMIT := //p' | head -n 1; }
[ "$(commit_of)" = unknown ] || fail "a tree without .git: COMMIT is '$(commit_of)', not unknown"
[ "$(make -s -C "$T/tarball" --no-print-directory -pn COMMIT=1234abcd FORCE 2>/dev/null | sed -n 's/^COMMIT = //p' | head -n 1)" = 1234abcd ] ||
    fail "COMMIT=... is not used"
echo ok
