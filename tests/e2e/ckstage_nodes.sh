# ckstage_nodes: torchrun-style nodes (--node-rank) with one --rdzv-id and a
# shared --log-dir (issue 7, group ckstage). Node 0 alone says every few
# seconds that it waits and which node it has not seen; node 1 then starts
# in the same run directory (its own node-rank-1/ part) instead of failing,
# and node 0 sees it.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
PORT=$((20000 + RANDOM % 12000))
new_run
ID=$RUN_ID
unset RUN_ID
"$ENDURE" run --log-dir "$LOGS" --rdzv-id "$ID" --nnodes 2 --node-rank 0 --master-port $PORT -- /bin/sleep 13 \
    >"$T/out0" 2>"$T/err0" &
P0=$!
wait_for grep -q "node-rank 0: waiting for the other nodes .*not seen here: node-rank 1" "$T/err0"
"$ENDURE" run --log-dir "$LOGS" --rdzv-id "$ID" --nnodes 2 --node-rank 1 --master-port $PORT -- /bin/sleep 6 \
    >"$T/out1" 2>"$T/err1" &
P1=$!
wait_for grep -q "node-rank 0: waiting for the other nodes .*node-rank 1 is running here" "$T/err0"
set +e; wait $P1; RC1=$?; wait $P0; RC0=$?; set -e
[ "$RC1" = 0 ] || { tail -n 5 "$T/err1" >&2; fail "node 1 in the shared run directory: exit $RC1"; }
[ "$RC0" = 0 ] || { tail -n 5 "$T/err0" >&2; fail "node 0: exit $RC0"; }
for k in 0 1; do
    [ -f "$LOGS/$ID/node-rank-$k/events.jsonl" ] || fail "no journal of node-rank $k"
    ls "$LOGS/$ID/node-rank-$k/attempt-0/node$k/" | grep -q '^rank-' || fail "no rank logs of node-rank $k"
done
RUN="$LOGS/$ID/node-rank-0"
[ "$(count waiting_for_peers)" -ge 2 ] || fail "node 0 did not journal its wait"
check_no_leftovers
echo ok
