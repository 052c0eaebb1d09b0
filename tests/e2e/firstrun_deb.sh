#!/bin/bash
# not under sanitizers: packaging (dpkg-deb, lintian) and the installed tree; no endure code path of its own
# firstrun_deb: `make deb` builds a package that lintian passes without
# errors, that depends on the run-time libraries only, and whose files are
# exactly what `make install PREFIX=/usr` installs (plus Debian's copyright
# and changelog). Extracted into a scratch root, the installed binary prints
# its version and commit and checks the installed rules, and python3 imports
# the installed helper.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
command -v lintian >/dev/null || fail "lintian is not installed (./setup.sh installs it)"
DEB="$T/endure.deb"
make -s -C "$ENDURE_SRC" --no-print-directory deb BUILD="$BUILD_DIR" DEB="$DEB" DEB_ROOT="$T/deb-root" \
    >"$T/deb.log" 2>&1 || { cat "$T/deb.log"; fail "make deb"; }
[ -s "$DEB" ] || fail "no package"

lintian --fail-on error "$DEB" >"$T/lintian" 2>&1 || { cat "$T/lintian"; fail "lintian reports errors"; }
grep -q '^E:' "$T/lintian" && { cat "$T/lintian"; fail "lintian reports errors"; }

dpkg-deb -f "$DEB" Depends >"$T/depends"
for lib in libc6 libpcre2-8-0 libcurl4 zlib1g libjansson4 libyaml-0-2 libssl3; do
    grep -qE "(^|, )$lib(,|$| )" "$T/depends" || fail "Depends lacks $lib: $(cat "$T/depends")"
done
grep -q -- '-dev\b' "$T/depends" && fail "Depends names a build dependency: $(cat "$T/depends")"
[ "$(dpkg-deb -f "$DEB" Package)" = endure ] || fail "package name"

# the same tree as make install (the package adds copyright and changelog.gz, has no LICENSE)
make -s -C "$ENDURE_SRC" --no-print-directory install PREFIX=/usr DESTDIR="$T/inst" \
    PYSITE=/usr/lib/python3/dist-packages BUILD="$BUILD_DIR" >"$T/install.log" 2>&1 ||
    { cat "$T/install.log"; fail "make install"; }
(cd "$T/inst" && find . -type f | sort) | grep -v '^\./usr/share/doc/endure/LICENSE$' >"$T/inst.list"
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ {print $6}' | sort |
    grep -vE '^\./usr/share/doc/endure/(copyright|changelog\.gz)$' >"$T/deb.list"
diff "$T/inst.list" "$T/deb.list" || fail "the package and make install differ"
dpkg-deb -c "$DEB" | awk '{print $6}' >"$T/all.list"
for f in usr/bin/endure usr/share/endure/rules/pytorch.yaml usr/lib/python3/dist-packages/endure_ckpt.py \
    usr/share/endure/python/endure_ckpt.py usr/share/man/man1/endure.1.gz usr/share/doc/endure/copyright \
    usr/share/doc/endure/changelog.gz usr/share/doc/endure/examples/ddp_replicated.py; do
    grep -qx "\./$f" "$T/all.list" || fail "the package has no $f"
done
grep -q 'notes-' "$T/all.list" && fail "the package ships a notes file"

ROOT="$T/root"
dpkg-deb -x "$DEB" "$ROOT"
cd "$T"   # away from the source tree
v=$("$ROOT/usr/bin/endure" --version) || fail "the installed endure --version failed"
echo "$v" | grep -qE '^endure [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$' || fail "version line: $v"
[ "$v" = "$("$ENDURE" --version)" ] || fail "the package's version ($v) is not the build's ($("$ENDURE" --version))"
"$ROOT/usr/bin/endure" rules check "$ROOT/usr/share/endure/rules" >"$T/check" 2>&1 || { cat "$T/check"; fail "rules check of the installed rules"; }
got=$(PYTHONPATH="$ROOT/usr/lib/python3/dist-packages" /usr/bin/python3 -c 'import endure_ckpt, endure_state; print(endure_ckpt.__file__)') ||
    fail "python3 cannot import the installed helper"
[ "$got" = "$ROOT/usr/lib/python3/dist-packages/endure_ckpt.py" ] || fail "imported $got, not the installed helper"
zcat "$ROOT/usr/share/man/man1/endure.1.gz" | grep -q '^\.TH ENDURE 1' || fail "man page"
check_no_leftovers
echo ok
