# e2e: the command line of `endure diagnose`, `endure rules` and `endure
# ckpt`: options after the PATHs (and "--" ending options), a log with NULs
# near the top and a real failure later, --max-bytes on a gzip file that
# inflates past it, and control characters from a log escaped when the
# output is a terminal (a pty from script(1)) but passed through to a pipe.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
RULES="--no-default-rules --rules $ENDURE_SRC/tests/data/rules-unit/basic.yaml"
ECC='RuntimeError: CUDA error: uncorrectable ECC error encountered'
run_cmd() { set +e; "$@" >"$T/o" 2>"$T/e"; RC=$?; set -e; }
want_rc() { [ "$RC" = "$1" ] || fail "$2: exit $RC, wanted $1: $(head -c 600 "$T/e") $(head -c 600 "$T/o")"; }
json_has() { # python expression over v (the JSON on stdout)
    /usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert eval(sys.argv[2]), v' \
        "$T/o" "$1" || fail "$2"
}

printf '[rank1]: Traceback (most recent call last):\n[rank1]: KeyError: '"'"'lr'"'"'\n' >"$T/key.log"

# options after the PATH, as the README shows: `endure diagnose FILE --json`
run_cmd "$ENDURE" diagnose "$T/key.log" --json $RULES
want_rc 0 "diagnose FILE --json"
json_has 'v["type"] == "key_error"' "--json after the PATH was not taken as an option"
run_cmd "$ENDURE" diagnose $RULES "$T/key.log" --all --json
want_rc 0 "diagnose FILE --all --json"
json_has 'len(v["events"]) >= 1' "--all after the PATH"
run_cmd "$ENDURE" diagnose "$T/key.log" --max-bytes
want_rc 2 "an option without its value"
# after -- everything is a PATH (a file named like an option)
cp "$T/key.log" "$T/--json"
(cd "$T" && "$ENDURE" diagnose $RULES -- --json >"$T/o" 2>"$T/e") || fail "-- then a PATH named --json: $(cat "$T/e")"
grep -q "^type: *key_error" "$T/o" || fail "the file named --json was not read: $(cat "$T/o")"

# rules: --help after the PATH; -- before a PATH
run_cmd "$ENDURE" rules check "$ENDURE_SRC/tests/data/rules-unit/basic.yaml" --help
want_rc 0 "rules check PATH --help"
grep -q "^usage: endure rules" "$T/o" || fail "rules --help after a PATH: $(cat "$T/o")"
run_cmd "$ENDURE" rules test -- "$ENDURE_SRC/tests/data/rules-unit/basic.yaml"
want_rc 0 "rules test -- PATH"
grep -q "passed, 0 failed" "$T/o" || fail "rules test -- PATH: $(cat "$T/o")"
run_cmd "$ENDURE" rules check "$ENDURE_SRC/tests/data/rules-unit/basic.yaml" --frob
want_rc 2 "rules: unknown option after a PATH"

# ckpt: options anywhere (already), and -- before DIR
mkdir -p "$T/store"
run_cmd "$ENDURE" ckpt ls "$T/store" --json
want_rc 0 "ckpt ls DIR --json"
json_has 'v == []' "ckpt ls DIR --json"
run_cmd "$ENDURE" ckpt ls --json -- "$T/store"
want_rc 0 "ckpt ls --json -- DIR"
json_has 'v == []' "ckpt ls --json -- DIR"

# NULs near the top of a log (a crashed node's hole), a real failure later:
# classified like the live agent does, not skipped as binary
printf 'step 1 loss 2.0\n\0\0\0\0\0\0\0\0\nstep 2 loss 1.9\n%s\n' "$ECC" >"$T/nul.log"
run_cmd "$ENDURE" diagnose --json $RULES "$T/nul.log"
want_rc 0 "a log with NULs"
json_has 'v["type"] == "ecc_error" and v["key_line"]["line"] == 4' "a log with NULs near the top: the ECC error later"
# still binary: random bytes
head -c 20000 /dev/urandom >"$T/bin.log"
run_cmd "$ENDURE" diagnose $RULES "$T/bin.log"
want_rc 1 "random bytes"
grep -q "binary file" "$T/e" || fail "random bytes not called binary: $(cat "$T/e")"

# --max-bytes: 64 MiB of lines in a small .gz, the failure at the end
/usr/bin/python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.compress((b"x" * 63 + b"\n") * (1 << 20) + sys.argv[1].encode() + b"\n"))' "$ECC" >"$T/bomb.log.gz"
[ "$(stat -c %s "$T/bomb.log.gz")" -lt 1000000 ] || fail "the test file should be small"
run_cmd "$ENDURE" diagnose --max-bytes 1M --json $RULES "$T/bomb.log.gz"
want_rc 1 "--max-bytes hit"
grep -q "bomb.log.gz: stopped after 1048576 bytes (--max-bytes" "$T/e" || fail "no clear message: $(cat "$T/e")"
json_has 'v["type"] != "ecc_error"' "read past --max-bytes"
run_cmd "$ENDURE" diagnose --json $RULES "$T/bomb.log.gz"
want_rc 0 "default --max-bytes"
json_has 'v["type"] == "ecc_error"' "the default limit is generous"
run_cmd "$ENDURE" diagnose "$T/bomb.log.gz" --max-bytes 0 $RULES
want_rc 2 "--max-bytes 0"

# control characters from a log: escaped on a terminal, raw into a pipe
# (terminal escape sequences are taken out before classification; a lone
# control character and a C1 CSI are left, and escaped)
printf '%s \033]0;pwned\007\033[2J\010\302\233\n' "$ECC" >"$T/esc.log"
cat >"$T/tty.sh" <<EOF
exec "$ENDURE" diagnose $RULES "\$@"
EOF
script -qec "bash $T/tty.sh $T/esc.log" /dev/null >"$T/tty.out" </dev/null || fail "diagnose on a pty: $(cat "$T/tty.out")"
grep -q "ecc_error" "$T/tty.out" || fail "no verdict on the pty: $(cat -v "$T/tty.out")"
if grep -q $'\033' "$T/tty.out" || grep -q $'\302\233' "$T/tty.out"; then
    fail "raw control characters written to the terminal: $(cat -v "$T/tty.out")"
fi
grep -qF 'encountered \x08\u009b' "$T/tty.out" || fail "key line not escaped: $(cat -v "$T/tty.out")"
script -qec "bash $T/tty.sh --compress $T/esc.log" /dev/null >"$T/tty.out" </dev/null || fail "--compress on a pty"
grep -q $'\033' "$T/tty.out" && fail "--compress wrote raw ESC to the terminal: $(cat -v "$T/tty.out")"
grep -qF 'encountered \x08\u009b' "$T/tty.out" || fail "--compress on a pty: $(cat -v "$T/tty.out")"
"$ENDURE" diagnose $RULES "$T/esc.log" >"$T/o"
grep -q "encountered "$'\010\302\233' "$T/o" || fail "a pipe gets the bytes as they are: $(cat -v "$T/o")"
echo ok
