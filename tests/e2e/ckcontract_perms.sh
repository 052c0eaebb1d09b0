# Permissions: under umask 022 the run directory, the logs, the journal and
# the durable checkpoints are the user's only (directories 0700, files 0600)
# while the ranks keep the user's umask; --shared-perms makes them follow
# the umask again (0755/0644).
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
umask 022
PROG='
import os, endure_ckpt
with endure_ckpt.save(1, scope="replicated") as d:
    with endure_ckpt.open(os.path.join(d, "sub/w.bin")) as f:
        f.write(b"x")
open(os.environ["OUTFILE"], "w").write("y")
print("rank umask %03o" % os.umask(0o22))'
OUTFILE="$T/rank-made" run_endure --nodes n1 --nnodes 1 --nproc-per-node 1 --ckpt-dir "$T/ck" -- /usr/bin/python3 -c "$PROG"
expect_rc 0
[ -f "$T/ck/step-000000001/COMPLETE" ] || fail "no complete checkpoint"
open=$(find "$RUN" "$T/ck" -perm /077 -printf '%m %p\n')
[ -z "$open" ] || fail "readable by others under umask 022: $open"
[ "$(stat -c %a "$RUN")" = 700 ] && [ "$(stat -c %a "$RUN/events.jsonl")" = 600 ] || fail "run dir modes"
[ "$(stat -c %a "$T/ck/step-000000001/n1/rank-0/sub/w.bin")" = 600 ] || fail "checkpoint file mode"
grep -qx "rank umask 022" "$RUN/attempt-0/n1/rank-0.log" || fail "the ranks lost the user's umask: $(cat "$RUN/attempt-0/n1/rank-0.log")"
[ "$(stat -c %a "$T/rank-made")" = 644 ] || fail "a rank's own file: $(stat -c %a "$T/rank-made")"
OUTFILE="$T/rank-made2" run_endure --nodes n1 --nnodes 1 --nproc-per-node 1 --ckpt-dir "$T/ck2" --shared-perms -- /usr/bin/python3 -c "$PROG"
expect_rc 0
[ "$(stat -c %a "$RUN")" = 755 ] && [ "$(stat -c %a "$RUN/events.jsonl")" = 644 ] || fail "--shared-perms run dir modes"
[ "$(stat -c %a "$T/ck2/step-000000001/n1/rank-0/sub/w.bin")" = 644 ] || fail "--shared-perms checkpoint file mode"
[ "$(stat -c %a "$T/ck2/step-000000001")" = 755 ] || fail "--shared-perms checkpoint dir mode"
check_no_leftovers
