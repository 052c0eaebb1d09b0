# `make install PREFIX=/usr/local` (into a DESTDIR) puts endure_ckpt.py where
# /usr/bin/python3 imports from (Debian: /usr/local/lib/python3.X/dist-packages),
# and the installed endure finds its own Python dir (PREFIX/share/endure/python)
# and hands it to the ranks on PYTHONPATH.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3"; exit 0; }
ROOT="$T/root"
make -s -C "$ENDURE_SRC" --no-print-directory install DESTDIR="$ROOT" PREFIX=/usr/local BUILD="$BUILD_DIR" \
    >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "make install"; }
mod=$(cd "$ROOT" && find usr/local/lib -name endure_ckpt.py)
[ -n "$mod" ] || fail "endure_ckpt.py not installed under PREFIX/lib: $(cat "$T/install.log")"
dir=/$(dirname "$mod")
env -u PYTHONPATH /usr/bin/python3 -c 'import sys; sys.exit(0 if sys.argv[1] in sys.path else 1)' "$dir" ||
    fail "$dir is not on /usr/bin/python3's sys.path"
# the installed binary, away from the build tree, gives the ranks its own helper
ENDURE="$ROOT/usr/local/bin/endure"
run_endure --nodes n1 --nnodes 1 --nproc-per-node 1 -- /usr/bin/python3 -c \
    'import endure_ckpt; print("HELPER", endure_ckpt.__file__)'
expect_rc 0
grep -qx "HELPER $ROOT/usr/local/share/endure/python/endure_ckpt.py" "$RUN/attempt-0/n1/rank-0.log" ||
    fail "the installed endure does not hand out its helper: $(cat "$RUN/attempt-0/n1/rank-0.log")"
check_no_leftovers
