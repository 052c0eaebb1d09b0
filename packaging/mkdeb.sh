#!/bin/sh
# mkdeb.sh (`make deb`): turns the tree that `make install PREFIX=/usr
# DESTDIR=STAGE` installed into a Debian binary package with dpkg-deb: it
# strips the binary, adds what Debian requires of every package
# (usr/share/doc/endure/copyright, a gzipped changelog, DEBIAN/control with
# the run-time dependencies and DEBIAN/md5sums) and builds OUT.deb, files
# owned by root. No build dependency is named: the package runs on a machine
# that has only the shared libraries endure links against.
#   mkdeb.sh STAGE VERSION COMMIT OUT.deb
set -eu
STAGE=$1 VERSION=$2 COMMIT=$3 OUT=$4
SRC=$(cd "$(dirname "$0")/.." && pwd)
ARCH=$(dpkg --print-architecture)
DEPENDS="libc6, libpcre2-8-0, libcurl4, zlib1g, libjansson4, libyaml-0-2, libssl3"
DOC="$STAGE/usr/share/doc/endure"

strip --remove-section=.comment --remove-section=.note --strip-unneeded "$STAGE/usr/bin/endure"
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: endure"
    echo "Source: https://github.com/endure/endure"
    echo
    echo "Files: *"
    echo "Copyright: 2026 the endure authors"
    echo "License: Expat"
    sed -n '/^Permission/,$p' "$SRC/LICENSE" | sed 's/^$/./; s/^/ /'
} >"$DOC/copyright"
rm -f "$DOC/LICENSE"   # the copyright file has it
# the changelog's date: the commit's, so that the same commit builds the same package
when=$(git -C "$SRC" log -1 --format=%cD 2>/dev/null || date -R)
printf 'endure (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- endure maintainers <endure@example.org>  %s\n' \
    "$VERSION" "$COMMIT" "$when" | gzip -9n >"$DOC/changelog.gz"

mkdir -p "$STAGE/DEBIAN"
(cd "$STAGE" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$STAGE/DEBIAN/md5sums"
cat >"$STAGE/DEBIAN/control" <<CTL
Package: endure
Version: $VERSION
Architecture: $ARCH
Maintainer: endure maintainers <endure@example.org>
Installed-Size: $(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
Depends: $DEPENDS
Recommends: python3
Section: utils
Priority: optional
Homepage: https://github.com/endure/endure
Description: fault-tolerant supervisor for distributed training
 endure run replaces torchrun: it starts the ranks on every node, watches
 every line they print, names the root cause of a failure with a rule base,
 keeps asynchronous checkpoints durable, and restarts the job from the
 newest good checkpoint on healthy nodes when a rank crashes, a node is lost
 or the job hangs.
 .
 This package holds the endure binary (controller and per-node agent), its
 rule files, the Python checkpoint helper (import endure_ckpt), the manual
 page and the documentation.
CTL
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE" -type f -exec chmod go-w {} +
chmod 0644 "$STAGE/DEBIAN/control" "$STAGE/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$STAGE" "$OUT"
