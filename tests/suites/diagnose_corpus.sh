#!/bin/bash
# diagnose_corpus: checks `endure diagnose --json` against the labelled corpus
# in tests/data/diagnose/ (one log file, .gz file or run directory per case,
# its expected verdict in <case>.expect: `key: value` lines for category,
# type, action, rule, host, rank, gpu; only the listed keys are checked), and
# that the shipped rule base passes `endure rules check` and `rules test`.
# Prints "PASS diagnose:<case>" or "FAIL diagnose:<case> (expected X got Y)"
# per case. A case whose .expect carries `xfail: reason` documents a known
# gap: it prints "XFAIL diagnose:<case> (reason)" while it still fails (not
# counted by the runner) and PASS once it passes.
# Env: ENDURE (the binary), ENDURE_SRC (the repository root).
set -u
ENDURE_SRC=${ENDURE_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
ENDURE=${ENDURE:-$ENDURE_SRC/build/endure}
CORPUS=$ENDURE_SRC/tests/data/diagnose
# The rules under test are this tree's, wherever the binary lives.
export ENDURE_RULES_DIR=$ENDURE_SRC/rules

if [ ! -x "$ENDURE" ]; then
    echo "FAIL rules:shipped (no endure binary at $ENDURE)"
    exit 0
fi

out=$("$ENDURE" rules check "$ENDURE_SRC/rules" 2>&1)
if [ $? -eq 0 ]; then echo "PASS rules:check"; else
    echo "FAIL rules:check ($(printf '%s' "$out" | grep -v ': note:' | head -n 3 | tr '\n' ' '))"; fi
out=$("$ENDURE" rules test "$ENDURE_SRC/rules" 2>&1)
if [ $? -eq 0 ]; then echo "PASS rules:shipped ($(printf '%s' "$out" | tail -n 1))"; else
    echo "FAIL rules:shipped ($(printf '%s' "$out" | grep -v ': note:' | tail -n 4 | tr '\n' ' '))"; fi

# Any python3 will do (no torch needed); /usr/bin/python3 is the project's.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
exec "$PY" - "$ENDURE" "$CORPUS" <<'PYEOF'
import json, os, subprocess, sys
endure, corpus = sys.argv[1], sys.argv[2]

def inputs_of(name):
    p = os.path.join(corpus, name)
    if os.path.isdir(p):
        return p
    for f in sorted(os.listdir(corpus)):
        if f.startswith(name + ".") and not f.endswith(".expect") and f[len(name) + 1:] in (
                "log", "out", "err", "txt", "log.gz", "out.gz", "txt.gz"):
            return os.path.join(corpus, f)
    return None

names = sorted(f[:-7] for f in os.listdir(corpus) if f.endswith(".expect"))
if not names:
    print("FAIL diagnose:corpus (no .expect files in %s)" % corpus)
for name in names:
    exp = {}
    with open(os.path.join(corpus, name + ".expect")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and ":" in line:
                k, v = line.split(":", 1)
                exp[k.strip()] = v.strip()
    xfail = exp.pop("xfail", None)
    src = inputs_of(name)
    if src is None:
        print("FAIL diagnose:%s (no input file or directory)" % name)
        continue
    try:
        p = subprocess.run([endure, "diagnose", "--json", src], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        print("FAIL diagnose:%s (timed out)" % name)
        continue
    except OSError as e:
        print("FAIL diagnose:%s (cannot run %s: %s)" % (name, endure, e))
        continue
    try:
        v = json.loads(p.stdout.decode("utf-8", "replace"))
    except ValueError:
        print("FAIL diagnose:%s (exit %d, no JSON verdict: %s)" % (name, p.returncode, p.stderr.decode(errors="replace").strip()[:200]))
        continue
    bad = []
    for k, want in exp.items():
        got = (v.get("culprit") or {}).get(k) if k in ("host", "rank", "gpu") else v.get(k)
        if got is None or str(got) != want:
            bad.append("%s %s got %s" % (k, want, "null" if got is None else got))
    if p.returncode != 0:
        bad.append("exit status 0 got %d" % p.returncode)
    if not bad:
        print("PASS diagnose:%s" % name)
    elif xfail:
        print("XFAIL diagnose:%s (%s; expected %s)" % (name, xfail, "; ".join(bad)))
    else:
        print("FAIL diagnose:%s (expected %s; rule %s, key line %s)" % (
            name, "; ".join(bad), v.get("rule"), str((v.get("key_line") or {}).get("text"))[:160]))
PYEOF
