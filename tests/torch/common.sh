# common.sh: shared pieces of the real-PyTorch end-to-end tests
# (tests/e2e/torch_*.sh); sourced after tests/e2e/lib.sh, not a test itself.
# Gives $DDP (the training script), $TORCH_PY (the Python with torch),
# expect_checksum (the final weights match a single-process reference) and
# expect_rank_log (a rank's log has a line).

TORCH_PY=$PYTHON_EXEC
DDP="$ENDURE_SRC/tests/torch/ddp_train.py"
"$TORCH_PY" -c 'import torch.distributed as d; assert d.is_gloo_available()' ||
    fail "$TORCH_PY has no torch with gloo"

# expect_checksum FILE WORLD STEPS: FILE (written by rank 0) holds the
# checksum that a one-process computation of the same training gives.
expect_checksum() {
    local got=$1 world=$2 steps=$3 ref="$T/reference.$2.$3"
    [ -s "$got" ] || fail "no checksum file $got"
    "$TORCH_PY" "$DDP" --reference "$world" --steps "$steps" --out "$ref" ||
        fail "reference computation failed"
    "$TORCH_PY" - "$got" "$ref" <<'PY' || fail "checksum mismatch: $(cat "$got") vs reference $(cat "$ref")"
import sys
got, ref = (open(p).read().split() for p in sys.argv[1:3])
assert got[2:] == ref[2:], (got, ref)          # same steps and world size
a, b = float(got[1]), float(ref[1])
assert abs(a - b) <= 1e-5 * max(1.0, abs(b)), (a, b)
PY
}

# expect_rank_log ATTEMPT NODE RANK REGEX: the rank's log has a matching line.
expect_rank_log() {
    local f="$RUN/attempt-$1/$2/rank-$3.log"
    rank_log "$f" >"$T/rank_log.txt" || fail "no log $f"
    grep -Eq -- "$4" "$T/rank_log.txt" || { tail -n 20 "$T/rank_log.txt" >&2; fail "$f has no line matching '$4'"; }
}
