# The progress lines of widely used trainers count as progress in a live
# run (rules/progress.yaml): a rank that prints only MMEngine's training
# lines, then only Keras' progress bar, DeepSpeed's pipeline report or
# DLRM's, is not stopped as hung by
# --startup-timeout (before those rules it was, as every job whose trainer
# prints neither "step N" nor "iter N"). The same script with lines no
# rule knows is stopped, which shows the timeout is short enough to tell.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
# A rank script printing LINE eight times, half a second apart, with $i
# (1..8) in it: written as a file, since LINE holds the script's own $i.
rank_script() {
    printf 'for i in 1 2 3 4 5 6 7 8; do\n    echo "%s"\n    sleep 0.5\ndone\n' "$2" >"$T/$1.sh"
}
rank_script mm '12/05 10:00:0$i - mmengine - INFO - Epoch(train)  [1][  ${i}0/1000]  lr: 1.0000e-04  eta: 1:00:00  time: 0.5012  loss: 0.5$i'
rank_script keras ' ${i}00/1000 [==>...........................] - ETA: 1:00 - loss: 0.5$i - accuracy: 0.8'
rank_script dspipe 'steps: ${i}0 loss: 2.3$i iter time (s): 0.512 samples/sec: 62.500'
rank_script dlrm 'Finished training it ${i}024/40960 of epoch 0, 30.21 ms/it, loss 0.51$i'
# not progress: Ray Train's heartbeat, printed on a timer with the same
# iteration while a job hangs, and lines no rule knows
rank_script plain 'Training on iteration 1. Current time: 2023-03-22 15:29:2$i (running for 00:00:0$i.24)
working on chunk $i'
# the first progress event carries the step the rule read from the line
for s in mm:10 keras:100 dspipe:10 dlrm:1024; do
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
