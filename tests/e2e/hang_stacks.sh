# A hang's stacks, from outside, with no change to the script: endure sets
# PYTHONFAULTHANDLER=1 for the ranks, and on a hang it sends every rank
# SIGABRT (C_DUMPING) before the stop, so CPython prints every thread's
# stack into the rank's log; the verdict names the odd rank out and its
# frame. Real PyTorch on gloo, 2 nodes x 2 ranks: one rank blocks in a
# Python function while the others wait in the all-reduce -> that rank and
# frame; one blocks inside C code (pause() through ctypes) -> that rank and
# the Python line that called it; a rank that is not Python has no stacks
# -> a plain hang that says why; --hang-dump-timeout 0 -> no dump at all.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
TRAIN="$ENDURE_SRC/tests/e2e/hang_trainer.py"
H=(--nodes n1,n2 --nnodes 2 --nproc-per-node 2 --hang-timeout 3s --restart-backoff 0)
# (1) rank 1 (n1) stuck in a Python function
run_endure "${H[@]}" "$TRAIN" --mode python --rank 1 --steps 5
expect_rc 0
expect_count 1 hang_dump attempt=0
expect_count 1 stacks attempt=0 with_stacks=4
[ "$(field verdict verdict attempt=0 | /usr/bin/python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["culprit"]["rank"], v["culprit"]["host"])')" = "1 n1" ] ||
    fail "the culprit is not rank 1 on n1: $(field verdict verdict attempt=0)"
grep -q 'key line: attempt-0/n1/rank-1.log:[0-9]*: *File ".*hang_trainer.py", line [0-9]* in stuck_in_loader' "$ERR" ||
    fail "the key line is not the blocking frame: $(grep -A2 diagnosis "$ERR")"
grep -q "while the other ranks were at File .*distributed_c10d.py.* in all_reduce" "$ERR" || fail "the majority frame is not said"
for r in 0 1; do grep -q "most recent call first" "$RUN/attempt-0/stacks/rank-$r.txt" || fail "no stack file for rank $r"; done
[ -f "$RUN/attempt-0/stacks/rank-3.txt" ] || fail "no stack file for rank 3"
check_no_leftovers
# (2) rank 2 (n2) stuck inside C code: the Python line that called it
run_endure "${H[@]}" "$TRAIN" --mode c --rank 2 --steps 5
expect_rc 0
grep -q 'key line: attempt-0/n2/rank-2.log:[0-9]*: *File ".*hang_trainer.py", line [0-9]* in stuck_in_c' "$ERR" ||
    fail "the C-blocked rank is not named: $(grep -A2 diagnosis "$ERR")"
check_no_leftovers
# (3) not Python: no stacks, a plain hang that says why
run_endure --hang-timeout 1s --max-restarts 0 -- "$FAKE" --steps 50 --step-ms 100 --hang 0 --at-step 2
expect_rc 1
expect_count 1 stacks with_stacks=0
grep -q "No rank printed a Python stack" "$ERR" || fail "the missing stacks are not explained"
[ -d "$RUN/attempt-0/stacks" ] && fail "a stacks directory without stacks"
check_no_leftovers
# (4) --hang-dump-timeout 0: straight to the stop, as before
run_endure --hang-timeout 1s --hang-dump-timeout 0 --max-restarts 0 -- "$FAKE" --steps 50 --step-ms 100 --hang 0 --at-step 2
expect_rc 1
expect_count 0 hang_dump
expect_count 1 hang attempt=0
check_no_leftovers
