#!/bin/bash
# e2e: `endure diagnose --each`: each PATH is a job of its own, with the
# rules loaded once: one verdict per PATH in order, each the same as the
# PATH diagnosed alone (nothing carried from one job to the next); a PATH
# that cannot be read makes the exit status 1 and the others still get
# their verdict; human output heads each verdict with "== PATH";
# --each with --compress is a usage error.
set -u
source "${ENDURE_SRC:-.}/tests/e2e/diag_common.bash" each

# a key error on rank 1, a collective timeout alone, and a log with nothing
printf '[rank0]: step 1 loss 2.0\n[rank1]: Traceback (most recent call last):\n[rank1]:   File "t.py", line 1\n[rank1]: KeyError: '"'"'lr'"'"'\n' > "$T/a.log"
printf '[rank0]: step 1 loss 2.0\n[rank3]: [Rank 3] Watchdog caught collective operation timeout: x\n' > "$T/b.log"
printf 'step 1 loss 2.0\nstep 2 loss 1.9\n' > "$T/c.log"
for f in a b c; do
    "$ENDURE" diagnose $RULES --json "$T/$f.log" > "$T/$f.alone" 2>&1; check "alone: $f" 0 $?
done
"$ENDURE" diagnose $RULES --each --json "$T/a.log" "$T/b.log" "$T/c.log" > "$T/each" 2> "$T/each.err"
check "--each --json" 0 $?
/usr/bin/python3 - "$T" <<'PY' || fail=1
import json, sys
t = sys.argv[1]
lines = open(t + "/each").read().splitlines()
assert len(lines) == 3, lines
for f, line in zip("abc", lines):
    v = json.loads(line)
    assert v.pop("path") == "%s/%s.log" % (t, f), v
    alone = json.loads(open("%s/%s.alone" % (t, f)).read())
    assert v == alone, (f, v, alone)
# the jobs differ, so a verdict carried over would show
assert json.loads(lines[0])["type"] != json.loads(lines[1])["type"], lines
print("ok: one verdict per PATH, in order, each as if alone")
PY
"$ENDURE" diagnose $RULES --each --json "$T/a.log" "$T/missing.log" "$T/c.log" > "$T/each2" 2> "$T/each2.err"
check "--each with an unreadable PATH" 1 $?
n=$(wc -l < "$T/each2")
[ "$n" = 2 ] && echo "ok: the readable PATHs still get their verdict" || { echo "FAIL: $n verdict lines"; cat "$T/each2"; fail=1; }
grep -q "missing.log" "$T/each2.err" && echo "ok: the error names the PATH" || { echo "FAIL: stderr:"; cat "$T/each2.err"; fail=1; }
"$ENDURE" diagnose $RULES --each "$T/a.log" "$T/b.log" > "$T/human" 2>&1; check "--each, human" 0 $?
[ "$(grep -c '^== ' "$T/human")" = 2 ] && grep -qx "== $T/b.log" "$T/human" && echo "ok: == PATH headers" ||
    { echo "FAIL: headers:"; cat "$T/human"; fail=1; }
"$ENDURE" diagnose $RULES --each --compress "$T/a.log" > "$T/o" 2>&1; check "--each --compress" 2 $?
exit $fail
