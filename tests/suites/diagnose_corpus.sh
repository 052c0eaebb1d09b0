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

def run(srcs):
    """Verdicts of srcs from one `endure diagnose --each --json` (one process
    loads the rules once: under ASan, one process per case took a minute):
    {src: (verdict or None, exit status)}. When the batch fails, each case
    runs alone so that its own exit status is known."""
    try:
        p = subprocess.run([endure, "diagnose", "--each", "--json", "--"] + srcs, capture_output=True, timeout=600)
    except (subprocess.TimeoutExpired, OSError) as e:
        return {s: (None, "cannot run %s: %s" % (endure, e)) for s in srcs}
    out = {}
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        try:
            v = json.loads(line)
        except ValueError:
            continue
        if isinstance(v, dict) and v.get("path") in srcs:
            out[v["path"]] = (v, 0)
    if p.returncode == 0 and len(out) == len(srcs):
        return out
    for s in srcs:
        try:
            q = subprocess.run([endure, "diagnose", "--json", s], capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            out[s] = (None, "timed out")
            continue
        try:
            out[s] = (json.loads(q.stdout.decode("utf-8", "replace")), q.returncode)
        except ValueError:
            out[s] = (None, "exit %d, no JSON verdict: %s" % (q.returncode, q.stderr.decode(errors="replace").strip()[:200]))
    return out

names = sorted(f[:-7] for f in os.listdir(corpus) if f.endswith(".expect"))
if not names:
    print("FAIL diagnose:corpus (no .expect files in %s)" % corpus)
srcs = [s for s in map(inputs_of, names) if s is not None]
verdicts = run(srcs) if srcs else {}
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
    v, rc = verdicts[src]
    if v is None:
        print("FAIL diagnose:%s (%s)" % (name, rc))
        continue
    bad = []
    for k, want in exp.items():
        got = (v.get("culprit") or {}).get(k) if k in ("host", "rank", "gpu") else v.get(k)
        if got is None or str(got) != want:
            bad.append("%s %s got %s" % (k, want, "null" if got is None else got))
    if rc != 0:
        bad.append("exit status 0 got %d" % rc)
    if not bad:
        print("PASS diagnose:%s" % name)
    elif xfail:
        print("XFAIL diagnose:%s (%s; expected %s)" % (name, xfail, "; ".join(bad)))
    else:
        print("FAIL diagnose:%s (expected %s; rule %s, key line %s)" % (
            name, "; ".join(bad), v.get("rule"), str((v.get("key_line") or {}).get("text"))[:160]))
PYEOF
