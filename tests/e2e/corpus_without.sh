#!/bin/bash
# e2e: bench/corpus_real.py --without GLOB, the measurement with some of the
# shipped rule files left out (how the other rules do on logs they were not
# written for). On a two-log corpus of the real corpus's layout: with all
# rules both logs are right; without python.yaml the KeyError is missed
# and its miss names no py.* rule; the rules directory the runs read is
# removed afterwards; without --misses it lists no miss; a glob that matches no rule file is refused.
# --without-narrow N (the closer stand-in) leaves out the corpus rules that
# decide N dev logs or fewer and measures the dev split only.
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
# --without-narrow N: the corpus rules that decide N dev logs or fewer
# with all rules loaded are left out, the others kept; only the dev split
# is measured, and held-out misses cannot be asked for.
R="$T/rules"
mkdir -p "$R"
ln -s "$ENDURE_SRC"/rules/*.yaml "$R"/
cat >"$R/corpus-e2e.yaml" <<'YAML'
# e2e rules: one that decides one dev log, one that decides two
- id: corpus_e2e.zorg_once
  category: framework
  type: runtime_error
  role: root
  action: stop
  priority: 50
  match: 'ZorgLib once failed'
  literals: ['ZorgLib once']
  explain: 'e2e'
  examples: ['ZorgLib once failed']
- id: corpus_e2e.zorg_twice
  category: infrastructure
  type: storage_error
  role: root
  action: stop
  priority: 50
  match: 'ZorgLib twice failed'
  literals: ['ZorgLib twice']
  explain: 'e2e'
  examples: ['ZorgLib twice failed']
YAML
N="$T/narrow"
mkdir -p "$N"
printf 'ZorgLib once failed\n' >"$N/once.log"
printf 'ZorgLib twice failed\n' >"$N/twice1.log"
printf 'ZorgLib twice failed\n' >"$N/twice2.log"
printf 'ZorgLib once failed\n' >"$N/heldonce.log"
{
    printf 'id\turl\tcategory\ttype\taction\thost\trank\tgpu\tkey\treason\n'
    printf 'once\t-\tframework\truntime_error\tstop\t\t\t\tZorgLib\te2e\n'
    printf 'twice1\t-\tinfrastructure\tstorage_error\tstop\t\t\t\tZorgLib\te2e\n'
    printf 'twice2\t-\tinfrastructure\tstorage_error\tstop\t\t\t\tZorgLib\te2e\n'
    printf 'heldonce\t-\tframework\truntime_error\tstop\t\t\t\tZorgLib\te2e\n'
} >"$N/labels.tsv"
printf 'id\tsplit\nonce\tdev\ntwice1\tdev\ntwice2\tdev\nheldonce\theld\n' >"$N/split.tsv"
ENDURE_RULES_DIR="$R" /usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$N" --misses dev --without-narrow 1 \
    >"$T/narrow.out" 2>&1 || { cat "$T/narrow.out" >&2; fail "--without-narrow: exit $?"; }
cat "$T/narrow.out"
grep -q '^rules: without the [0-9]* corpus rules that decide 1 dev logs or fewer' "$T/narrow.out" ||
    fail "--without-narrow: no rules line"
grep -q 'MISS once' "$T/narrow.out" || fail "the rule that decides one dev log was kept"
grep -q 'MISS twice' "$T/narrow.out" && fail "the rule that decides two dev logs was left out"
grep -q 'held split' "$T/narrow.out" && fail "--without-narrow measured the held-out split"
ENDURE_RULES_DIR="$R" /usr/bin/python3 "$CR" --endure "$ENDURE" --corpus "$N" --misses held --without-narrow 1 \
    >"$T/narrowheld.out" 2>&1 && fail "--without-narrow with --misses held was accepted"
grep -q 'dev split only' "$T/narrowheld.out" || fail "no clear error for --misses held"
[ -z "$(ls -A "$TMPDIR")" ] || fail "left behind: $(ls -A "$TMPDIR")"
echo "ok: --without-narrow"

check_no_leftovers
echo PASS
