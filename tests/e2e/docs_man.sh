#!/bin/bash
# docs_man: the man page renders without warnings, names every flag that
# the --help of `endure run`, `diagnose`, `ckpt`, `rules` and `agent` lists,
# and every relative link of README.md and docs/*.md points at a file that
# exists.
. "$(dirname "$0")/lib.sh"
cd "$ENDURE_SRC"
# the run options of the page are what `endure run --help-man` renders from
# config.c's table (make man writes them)
committed=$(sed -n '/^\.\\" BEGIN generated/,/^\.\\" END generated/p' endure.1 | sed '1d;$d')
[ -n "$committed" ] || fail "endure.1 has no generated option block"
[ "$committed" = "$("$ENDURE" run --help-man)" ] || fail "endure.1's option list is stale: run make man"
warn=$(groff -man -Tutf8 -ww endure.1 2>&1 >/dev/null)
[ -z "$warn" ] || fail "groff warnings: $warn"
# the man page escapes dashes as \-
plain=$(sed 's/\\-/-/g' endure.1)
for cmd in run diagnose ckpt rules agent; do
    for flag in $("$ENDURE" $cmd --help 2>&1 | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
        case "$flag" in --help|--dash-names|--underscore|--flag) continue ;; esac
        grep -qF -- "$flag" <<<"$plain" || fail "endure.1 does not mention $cmd's $flag"
    done
done
for f in README.md docs/*.md; do
    for link in $(grep -oE '\]\([^)#: ]+' "$f" | sed 's/^](//'); do
        [ -e "$(dirname "$f")/$link" ] || fail "$f links to missing $link"
    done
done
check_no_leftovers
echo ok
