# The Python helper states the stage and plain layouts once, at its top, in
# constants named like the #defines of common/layout.h between the markers
# "BEGIN/END shared with python/endure_ckpt.py": every one of those defines
# must exist in the helper with the same value, and the helper may state no
# LAYOUT_ name the C side lacks.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
out=$(PYTHONPATH="$ENDURE_SRC/python" /usr/bin/python3 - "$ENDURE_SRC/common/layout.h" <<'PY' 2>&1) || fail "layout: $out"
import ast, re, sys
import endure_ckpt
text = open(sys.argv[1]).read()
m = re.search(r"BEGIN shared with python/endure_ckpt\.py \*/\n(.*?)/\* END shared", text, re.S)
assert m, "no shared block in common/layout.h"
c = {}
for name, value in re.findall(r"^#define (LAYOUT_\w+) (\"(?:[^\"\\]|\\.)*\"|[0-9]+)", m.group(1), re.M):
    c[name] = ast.literal_eval(value)
assert len(c) >= 9, "too few shared names in common/layout.h: %r" % c
py = {k: v for k, v in vars(endure_ckpt).items() if k.startswith("LAYOUT_")}
bad = ["%s: C %r, Python %r" % (k, c.get(k), py.get(k)) for k in sorted(set(c) | set(py)) if c.get(k) != py.get(k)]
assert not bad, "common/layout.h and python/endure_ckpt.py disagree: " + "; ".join(bad)
print("agree on %d names" % len(c))
PY
echo "$out" | grep -q "^agree on " || fail "layout: $out"
check_no_leftovers
