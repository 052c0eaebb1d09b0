# The host of last resort for NCCL faults: an ncclRemoteError whose "Last
# error:" names no host is culprited to the one node the log's NCCL lines
# come from; a script error in the same log is not (a script error does not
# make its node bad), nor is a log whose NCCL lines come from two nodes.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
J() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
cat >"$T/remote.log" <<'LOG'
pt-worker-0:4288:4521 [1] NCCL INFO proxy.cc:878 -> 6 [Progress Thread]
pt-worker-0:4288:4421 [1] NCCL INFO comm 0x5649149de2c0 rank 5 nranks 8 cudaDev 1 busId a7000 - Abort COMPLETE
[rank5]:[E207 19:37:09.983600771 ProcessGroupNCCL.cpp:1895] [PG ID 0 PG GUID 0(default_pg) Rank 5] Process group watchdog thread terminated with exception: NCCL error: remote process exited or there was a network error, NCCL version 2.21.5
ncclRemoteError: A call failed possibly due to a network error or a remote process exiting prematurely.
Last error:
socketProgressOpt: Call to recv from 10.119.24.53<49901> failed : Broken pipe
LOG
"$ENDURE" diagnose --json "$T/remote.log" >"$T/r.json"
[ "$(J "$T/r.json" 'd["category"], d["culprit"]["host"]')" = "('infrastructure', 'pt-worker-0')" ] ||
    fail "the NCCL lines' host: $(J "$T/r.json" 'd["culprit"], d["rule"]')"

cat >"$T/script.log" <<'LOG'
pt-worker-0:4288:4521 [1] NCCL INFO comm 0x5649149de2c0 rank 5 nranks 8 cudaDev 1 busId a7000 - Init COMPLETE
Traceback (most recent call last):
  File "train.py", line 3, in <module>
    garbage
NameError: name 'garbage' is not defined
LOG
"$ENDURE" diagnose --json "$T/script.log" >"$T/s.json"
[ "$(J "$T/s.json" 'd["category"], d["culprit"]["host"]')" = "('script', None)" ] ||
    fail "a script error names no node: $(J "$T/s.json" 'd["culprit"], d["rule"]')"

{ echo "gcn14:3570218:3570218 [2] NCCL INFO NET/Plugin : No plugin found"; cat "$T/remote.log"; } >"$T/two.log"
"$ENDURE" diagnose --json "$T/two.log" >"$T/t.json"
[ "$(J "$T/t.json" 'd["culprit"]["host"]')" = "None" ] ||
    fail "two nodes' NCCL lines name none: $(J "$T/t.json" 'd["culprit"]')"
