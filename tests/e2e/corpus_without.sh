#!/bin/bash
# e2e: bench/corpus_real.py --without GLOB, the measurement with some of the
# shipped rule files left out (how the other rules do on logs they were not
# written for). On a two-log corpus of the real corpus's layout: with all
# rules both logs are right; without python.yaml the KeyError is missed
# and its miss names no py.* rule; the rules directory the runs read is
# removed afterwards; without --misses it lists no miss; a glob that matches no rule file is refused.
. "$(dirname "$0")/lib.sh"
C="$T/corpus"
mkdir -p "$C"
printf '[rank0]: Traceback (most recent call last):\n[rank0]:   File "t.py", line 1\n[rank0]: KeyError: '"'"'lr'"'"'\n' >"$C/keyerr.log"
printf 'OSError: [Errno 28] No space left on device\n' >"$C/full.log"
{
    printf 'id\turl\tcategory\ttype\taction\thost\trank\tgpu\tkey\treason\n'
    printf 'keyerr\t-\tscript\tkey_error\tstop\t\t\t\tKeyError\te2e corpus\n'
    printf 'full\t-\tinfrastructure\tstorage_error\tstop\t\t\t\tNo space\te2e corpus\n'
} >"$C/labels.tsv"
printf 'id\tsplit\nkeyerr\tdev\nfull\tdev\n' >"$C/split.tsv"
CR="$ENDURE_SRC/bench/corpus_real.py"
export ENDURE_RULES_DIR="$ENDURE_SRC/rules"
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

/usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$C" --misses dev >"$T/all.out" 2>&1 || fail "all rules: exit $?"
grep -q 'category 100.0%' "$T/all.out" || { cat "$T/all.out" >&2; fail "all rules: both logs expected right"; }
grep -q '^rules:' "$T/all.out" && fail "a rules line without --without"
echo "ok: all rules"

/usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$C" --misses dev --without 'python.yaml' >"$T/wo.out" 2>&1 ||
    fail "--without: exit $?"
cat "$T/wo.out"
n=$(ls "$ENDURE_SRC"/rules/*.yaml | grep -vc '/python.yaml$')
grep -q "^rules: $n shipped files, without those matching python.yaml" "$T/wo.out" || fail "kept files not reported"
grep -q 'category 50.0%' "$T/wo.out" || fail "without python.yaml: 1 of 2 expected"
grep -q 'MISS keyerr' "$T/wo.out" || fail "the KeyError was still classified as one"
grep -q 'MISS keyerr.*(rule py\.' "$T/wo.out" && fail "a python.yaml rule decided"
grep -q 'MISS full' "$T/wo.out" && fail "a rule of another file was left out"
[ -z "$(ls -A "$TMPDIR")" ] || fail "left behind: $(ls -A "$TMPDIR")"
echo "ok: without python.yaml"

# Without --misses, --without lists no miss (it is a stand-in for unseen
# logs: a held-out miss must not be shown by accident).
printf 'id\tsplit\nkeyerr\theld\nfull\tdev\n' >"$C/split.tsv"
/usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$C" --without 'python.yaml' >"$T/quiet.out" 2>&1 ||
    fail "--without, no --misses: exit $?"
grep -q 'held split: 1 logs' "$T/quiet.out" || { cat "$T/quiet.out" >&2; fail "no held split measured"; }
grep -q 'MISS' "$T/quiet.out" && fail "--without listed a miss without --misses"
/usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$C" >"$T/held.out" 2>&1 || fail "no --without: exit $?"
grep -q 'MISS' "$T/held.out" && fail "with all rules the held-out KeyError should be right"
printf 'id\tsplit\nkeyerr\tdev\nfull\tdev\n' >"$C/split.tsv"
echo "ok: --without lists no miss unless asked"

/usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$C" --without 'pyhton*.yaml' >"$T/typo.out" 2>&1 &&
    fail "a glob that matches nothing was accepted"
grep -q "no rule file of .* matches" "$T/typo.out" || fail "no clear error for the typo"
echo "ok: a glob that matches no file is refused"
check_no_leftovers
echo PASS
