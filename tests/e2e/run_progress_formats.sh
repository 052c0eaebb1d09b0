# The progress lines of widely used trainers count as progress in a live
# run (rules/progress.yaml): a rank that prints only MMEngine's training
# lines, then only Keras' progress bar, is not stopped as hung by
# --startup-timeout (before those rules it was, as every job whose trainer
# prints neither "step N" nor "iter N"). The same script with lines no
# rule knows is stopped, which shows the timeout is short enough to tell.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
cat >"$T/mm.sh" <<'SH'
for i in 1 2 3 4 5 6 7 8; do
    echo "12/05 10:00:0$i - mmengine - INFO - Epoch(train)  [1][  ${i}0/1000]  lr: 1.0000e-04  eta: 1:00:00  time: 0.5012  loss: 0.5$i"
    sleep 0.5
done
SH
cat >"$T/keras.sh" <<'SH'
for i in 1 2 3 4 5 6 7 8; do
    echo " ${i}00/1000 [==>...........................] - ETA: 1:00 - loss: 0.5$i - accuracy: 0.8"
    sleep 0.5
done
SH
cat >"$T/plain.sh" <<'SH'
for i in 1 2 3 4 5 6 7 8; do echo "working on chunk $i"; sleep 0.5; done
SH
# the first progress event carries the step the rule read from the line
for s in mm:10 keras:100; do
    run_endure --nproc-per-node 1 --max-restarts 0 --startup-timeout 2s --no-python -- /bin/sh "$T/${s%:*}.sh"
    expect_rc 0
    expect_count 0 hang
    expect_count 1 progress step="${s#*:}"
done
run_endure --nproc-per-node 1 --max-restarts 0 --startup-timeout 2s --no-python -- /bin/sh "$T/plain.sh"
expect_rc 1
expect_count 1 hang attempt=0
check_no_leftovers
echo ok
