# e2e: `endure health --probe gpu|cuda` against the test-only NVML and CUDA
# libraries of build/tests/fakes (found through LD_LIBRARY_PATH): every
# verdict of both probes (pass, warn, fail, skip for an absent library, a
# library without a symbol, no driver or device), the wait for processes
# on the GPUs, and a hanging driver call bounded by --timeout.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
F="$BUILD_DIR/tests/fakes"
[ -e "$F/libnvidia-ml.so.1" ] || fail "no fake libraries in $F (make all builds them)"
# H [VAR=VALUE]... -- ARGS: endure health --json ARGS with the fakes
H() {
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    set +e
    env LD_LIBRARY_PATH="$F" "${envs[@]}" "$ENDURE" health --json "$@" >"$T/o" 2>"$T/e"
    RC=$?
    set -e
}
want_rc() { [ "$RC" = "$1" ] || fail "$2: exit $RC, wanted $1: $(head -c 800 "$T/e") $(head -c 1500 "$T/o")"; }
# probe NAME RESULT REASON-REGEX [python condition on p, the probe]
probe() {
    /usr/bin/python3 - "$T/o" "$@" <<'PY' || fail "probe $1: wanted $2 /$3/: $(head -c 1500 "$T/o")"
import json, re, sys
v = json.load(open(sys.argv[1]))
name, result, reason = sys.argv[2:5]
cond = sys.argv[5] if len(sys.argv) > 5 else "True"
p = [p for p in v["probes"] if p["name"] == name][0]
ok = p["result"] == result and re.search(reason, p["reason"]) and eval(cond)
ok = ok and isinstance(p["ms"], int) and isinstance(p["figures"], dict) and isinstance(p["runs"], int)
sys.exit(0 if ok else 1)
PY
}
have_system_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

# ---- gpu ----
H FAKE_NVML_GPUS=8 -- --probe gpu --gpus 8
want_rc 0 "8 healthy GPUs"
probe gpu pass "^8 GPUs" 'p["figures"]["count"] == 8 and len(p["figures"]["gpus"]) == 8 and p["runs"] == 1'
H FAKE_NVML_GPUS=4 -- --probe gpu --gpus 8 --fail-after 1
want_rc 1 "fewer GPUs than --gpus"
probe gpu fail "4 GPUs found, 8 expected"
H FAKE_NVML_ECC=3 -- --probe gpu
want_rc 1 "an uncorrectable ECC error"
probe gpu fail "GPU 0: 3 uncorrectable ECC errors" 'p["runs"] == 2 and p["figures"]["gpus"][0]["ecc_uncorrected_volatile"] == 3'
H FAKE_NVML_REMAP=failed -- --probe gpu --fail-after 1
want_rc 1 "row remapping failed"
probe gpu fail "row remapping failed"
H FAKE_NVML_REMAP=pending -- --probe gpu
want_rc 0 "row remapping pending is a warning"
probe gpu warn "row remapping pending"
H FAKE_NVML_PENDING=1 -- --probe gpu
want_rc 0 "retired pages pending is a warning"
probe gpu warn "page retirement pending"
H FAKE_NVML_THROTTLE=0x40 FAKE_NVML_TEMP=91 -- --probe gpu
want_rc 0 "thermal throttling is a warning"
probe gpu warn "throttled \\(hw_thermal, 91 C\\)" 'p["figures"]["gpus"][0]["throttle"] == ["hw_thermal"]'
grep -q '"result":"warn"' "$T/o" || fail "overall result of a warning: $(cat "$T/o")"
# leftover processes: they stay (fail), they go within --gpu-free-timeout (pass)
H FAKE_NVML_PROCS=2 -- --probe gpu --gpu-free-timeout 1s --fail-after 1
want_rc 1 "processes stay on the GPUs"
probe gpu fail "2 processes still on the GPUs after 1.0s \\(pid 4242 on GPU 0\\)" 'len(p["figures"]["processes"]) == 2'
touch "$T/busy"
(sleep 1; rm -f "$T/busy") &
H FAKE_NVML_PROCS_WHILE="$T/busy" -- --probe gpu --gpu-free-timeout 60s
wait
want_rc 0 "processes that go while the probe waits"
probe gpu pass "no processes" 'p["figures"]["waited_ms"] > 0 and p["figures"]["processes"] == []'
# skips: no driver, no device, a library lacking a symbol, no library
H FAKE_NVML_NODRIVER=1 -- --probe gpu
want_rc 0 "NVML without a driver"
probe gpu skip "Driver Not Loaded"
H FAKE_NVML_NODRIVER=1 -- --probe gpu --gpus 2 --fail-after 1
want_rc 1 "no driver where --gpus expects GPUs"
probe gpu fail "Driver Not Loaded"
H FAKE_NVML_GPUS=0 -- --probe gpu
want_rc 0 "NVML with no GPU"
probe gpu skip "no NVIDIA GPU"
H FAKE_NVML_INIT_FAIL=1 -- --probe gpu --fail-after 1
want_rc 1 "nvmlInit failing"
probe gpu fail "nvmlInit_v2: Unknown Error"
set +e
LD_LIBRARY_PATH="$F/nosym" "$ENDURE" health --json --probe gpu >"$T/o" 2>"$T/e"; RC=$?
set -e
want_rc 0 "a library lacking a symbol"
probe gpu skip "lacks the symbol nvmlDeviceGetRemappedRows"
if ! have_system_lib libnvidia-ml.so.1; then
    set +e
    LD_LIBRARY_PATH="$T" "$ENDURE" health --json --probe gpu >"$T/o" 2>"$T/e"; RC=$?
    set -e
    want_rc 0 "no NVML library (a CPU-only node)"
    probe gpu skip "libnvidia-ml.so.1"
    set +e
    LD_LIBRARY_PATH="$T" "$ENDURE" health --json --probe gpu --gpus 1 --fail-after 1 >"$T/o" 2>"$T/e"; RC=$?
    set -e
    want_rc 1 "no NVML library where --gpus expects GPUs"
    probe gpu fail "libnvidia-ml.so.1.*--gpus"
fi
# a driver call that never returns: killed at --timeout, reported, nothing left
H FAKE_NVML_HANG=1 -- --probe gpu --timeout 1s --gpu-free-timeout 0 --fail-after 1
want_rc 1 "a hanging nvmlInit"
probe gpu fail "^timed out after 1.0s$"

# ---- cuda ----
# (one device: two devices' speeds compared under this machine's load could differ)
H FAKE_CUDA_GPUS=1 -- --probe cuda --min-copy-gbps 0
want_rc 0 "a working CUDA device"
probe cuda pass "^1 device: context, 256 MiB alloc" 'len(p["figures"]["gpus"]) == 1 and p["figures"]["gpus"][0]["d2h_gbps"] > 0'
H FAKE_CUDA_FAIL=cuInit -- --probe cuda --fail-after 1
want_rc 1 "cuInit failing"
probe cuda fail "^cuInit: unknown error"
H FAKE_CUDA_FAIL=cuMemAlloc_v2 -- --probe cuda --fail-after 1
want_rc 1 "no device memory"
probe cuda fail "GPU 0: cuMemAlloc_v2: out of memory"
H FAKE_CUDA_CORRUPT=1 -- --probe cuda --fail-after 1 --min-copy-gbps 0
want_rc 1 "a corrupt copy"
probe cuda fail "GPU 0: the copy's content" '"mismatch_at" in p["figures"]["gpus"][0]'
H FAKE_CUDA_SLOW_MS=1500 -- --probe cuda
want_rc 0 "a slow copy is a warning"
probe cuda warn "GPU 0: device-to-host copy at 0\\.[0-9]+ GB/s"
# a device at less than half the other's speed, without a floor
H FAKE_CUDA_GPUS=2 FAKE_CUDA_SLOW_MS=3000 -- --probe cuda --min-copy-gbps 0
want_rc 0 "one slow device of two is a warning"
probe cuda warn "^GPU 0: device-to-host copy at 0\\.[0-9]+ GB/s \\(best [0-9.]+\\)$" 'len(p["figures"]["gpus"]) == 2'
H FAKE_CUDA_NODEV=1 -- --probe cuda
want_rc 0 "no CUDA device"
probe cuda skip "no CUDA-capable device"
set +e
LD_LIBRARY_PATH="$F/nosym" "$ENDURE" health --json --probe cuda >"$T/o" 2>"$T/e"; RC=$?
set -e
want_rc 0 "a CUDA library lacking a symbol"
probe cuda skip "lacks the symbol cuMemsetD8_v2"
if ! have_system_lib libcuda.so.1; then
    set +e
    LD_LIBRARY_PATH="$T" "$ENDURE" health --json --probe cuda >"$T/o" 2>"$T/e"; RC=$?
    set -e
    want_rc 0 "no CUDA library"
    probe cuda skip "libcuda.so.1"
fi
H FAKE_CUDA_HANG=1 -- --probe cuda --timeout 1s --fail-after 1
want_rc 1 "a hanging cuInit"
probe cuda fail "^timed out after 1.0s$"
check_no_leftovers
echo ok
