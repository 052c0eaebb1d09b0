# The Python helper reads its numeric environment strictly: RANK,
# WORLD_SIZE, ENDURE_RESUME_STEP, ENDURE_ATTEMPT, ENDURE_CKPT_LOCK_TIMEOUT
# must be plain decimal numbers (no spaces, signs, '_', 'nan', 'inf').
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
py() { PYTHONPATH="$ENDURE_SRC/python" /usr/bin/python3 -c "import endure_ckpt as e; print($1)" 2>&1; }
for v in " 5" "+5" "5_0" "nan" "٣"; do
    out=$(RANK="$v" py 'e._rank()') && fail "RANK='$v' accepted: $out"
    echo "$out" | grep -q "RANK=.* is not a non-negative integer" || fail "RANK='$v': $out"
    out=$(ENDURE_RESUME_DIR=/x ENDURE_RESUME_STEP="$v" py 'e.resume().step') && fail "ENDURE_RESUME_STEP='$v' accepted: $out"
done
for v in nan inf 1e3 -1; do
    out=$(ENDURE_CKPT_LOCK_TIMEOUT="$v" py 'e._env_num("ENDURE_CKPT_LOCK_TIMEOUT", 600.0, frac=True)') &&
        fail "ENDURE_CKPT_LOCK_TIMEOUT='$v' accepted: $out"
done
[ "$(RANK=3 WORLD_SIZE=4 py 'e._rank() + e._world()')" = 7 ] || fail "plain values refused"
[ "$(ENDURE_RESUME_DIR=/x ENDURE_RESUME_STEP=12 py 'e.resume().step')" = 12 ] || fail "resume step"
check_no_leftovers
