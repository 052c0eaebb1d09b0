#!/bin/bash
# not under sanitizers: the examples' Python side; the endure paths they take run under the sanitizers in the other tests
# firstrun_demo: `make demo` (examples/demo.sh) shows, in this order, the
# injected crash, the diagnosis, the restart, the resume from the checkpoint
# of step 15, the summary and where to look; exits 0 and leaves nothing but
# its DEMO_DIR (no files where it ran, no node stage, no process).
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
mkdir "$T/cwd"
set +e
( cd "$T/cwd" && DEMO_DIR="$T/demo" "$ENDURE_SRC/examples/demo.sh" >"$T/console" 2>&1 )
rc=$?
set -e
[ $rc -eq 0 ] || { tail -30 "$T/console" >&2; fail "demo exited $rc"; }
id=$(sed -n 's/^endure\[run\]: run \(demo-[0-9-]*\): logs in .*/\1/p' "$T/console")
[ -n "$id" ] || fail "no run id on the console"
echo "$id" >>"$T/run-ids"
last=0
for pat in '^\[n2:2\] RuntimeError: injected crash on rank 2 at step 18$' \
    '^endure\[run\]: error: attempt 0: rank 2 on n2 exited with code 1$' \
    '^endure: attempt 0 diagnosis: framework/runtime_error, .*action restart' \
    '^endure\[run\]: restarting in ' \
    '^endure\[run\]: resuming from checkpoint step-000000015 \(step 15\)$' \
    '^\[n1:0\] rank 0 resumed from the checkpoint of step 15 ' \
    '^\[n1:0\] done: 30 steps on 4 ranks' \
    "^endure: run $id ended: every rank finished successfully \\(exit 0\\)$" \
    '^  attempt 1: resumed from the checkpoint of step 15$' \
    '^== where to look' \
    "^  endure diagnose $T/demo/logs/$id\$"; do
    n=$(grep -nE -m1 -- "$pat" "$T/console" | cut -d: -f1)
    [ -n "$n" ] || { cat "$T/console" >&2; fail "the demo's console has no line '$pat'"; }
    [ "$n" -gt "$last" ] || fail "'$pat' (line $n) comes before what precedes it (line $last)"
    last=$n
done
[ -z "$(ls -A "$T/cwd")" ] || fail "the demo left files where it ran: $(ls -A "$T/cwd")"
[ -d "$T/demo/logs/$id/attempt-1" ] && [ -d "$T/demo/ckpt/step-000000030" ] || fail "nothing under DEMO_DIR"
ls -d /dev/shm/endure-"$id"-* 2>/dev/null && fail "the demo left a node stage"
"$ENDURE" diagnose "$T/demo/logs/$id" >"$T/diag" || true
grep -q "runtime_error" "$T/diag" || fail "endure diagnose of the demo run: $(head -5 "$T/diag")"
check_no_leftovers
echo ok
