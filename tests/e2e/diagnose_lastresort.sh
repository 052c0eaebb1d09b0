# Culprits from lines other than the key line: TorchElastic's summary names
# the first observed failure under "Root Cause" (the key line can be any
# failed rank's entry: they print the same signal; here the paste is cut
# inside the root cause's entry), and a log pasted with
# its shell prompts names the node it came from.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
J() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
cat >"$T/elastic.log" <<'LOG'
torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
========================================================
tools/train.py FAILED
--------------------------------------------------------
Failures:
[1]:
  time      : 2024-05-02_10:11:12
  host      : gpu-node-17
  rank      : 1 (local_rank: 1)
  exitcode  : -6 (pid: 4242)
  error_file: <N/A>
  traceback : Signal 6 (SIGABRT) received by PID 4242
[2]:
  time      : 2024-05-02_10:11:12
  host      : gpu-node-17
  rank      : 2 (local_rank: 2)
  exitcode  : -6 (pid: 4243)
  error_file: <N/A>
  traceback : Signal 6 (SIGABRT) received by PID 4243
--------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2024-05-02_10:11:12
  host      : gpu-node-17
  rank      : 0 (local_rank: 0)
  exitcode  : -6 (pid: 4241)
  error_file: <N/A>
  tr
LOG
"$ENDURE" diagnose --json "$T/elastic.log" >"$T/e.json"
[ "$(J "$T/e.json" 'd["culprit"]["rank"], d["culprit"]["host"]')" = "(0, 'gpu-node-17')" ] ||
    fail "the root cause's rank: $(J "$T/e.json" 'd["culprit"], d["key_line"]')"

cat >"$T/prompt.log" <<'LOG'
[root@bh174 ~]# nvidia-smi
Unable to determine the device handle for GPU 0000:0B:00.0: Unknown Error
[root@bh174 ~]# dmesg | tail -1
LOG
"$ENDURE" diagnose --json "$T/prompt.log" >"$T/p.json"
[ "$(J "$T/p.json" 'd["culprit"]["host"], d["culprit"]["gpu"]')" = "('bh174', '0000:0B:00.0')" ] ||
    fail "the prompt's host: $(J "$T/p.json" 'd["culprit"], d["rule"]')"
