# diag_common.bash: the shared preamble of the `endure diagnose` command-line
# tests (sourced by tests/e2e/diagnose_cli.sh and diagnose_each.sh, not a
# test itself): the binary, the unit rule file, a scratch directory removed
# at exit, and the check/has helpers that record a failure in $fail.
# Usage: source it with the scratch directory's name tag as $1.
ENDURE=${ENDURE:-build/endure}
SRC=${ENDURE_SRC:-.}
RULES="--no-default-rules --rules $SRC/tests/data/rules-unit/basic.yaml"
T=$(mktemp -d "/tmp/endure-e2e-$1.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail=0
check() { # name, expected rc, actual rc
    if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, wanted $2"; fail=1; else echo "ok: $1"; fi
}
has() { # name, file, pattern
    if grep -q -- "$3" "$2"; then echo "ok: $1"; else echo "FAIL: $1: no '$3' in:"; head -c 2000 "$2"; fail=1; fi
}
