# `endure bundle` of a failed run: the archive opens, holds the journal,
# config, failure.json, the diagnosis and the failing rank's tail, and no
# secret: an API key from the environment, a webhook URL's token and a
# 64-hex token that the failing rank printed are scrubbed everywhere;
# --max-size bounds the file and the manifest names what was left out.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
export MY_API_KEY="sk-live-$RANDOM$RANDOM-zz9plural"
HEX=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
HOOK="https://hooks.example.com/services/T0/B0/hooktoken$RANDOM"
run_endure --nodes n1,n2 --nnodes 2 --nproc-per-node 2 --restart-backoff 0 --max-restarts 1 -- \
    "$FAKE" --steps 80 --step-ms 20 --fail 1@0 --code 7 --at-step 30 --say-rank 1@0 \
    --say "posting to $HOOK with key $MY_API_KEY and token $HEX"
expect_rc 0
rank_log "$RUN/attempt-0/n1/rank-1.log" | grep -q "$MY_API_KEY" || fail "the rank did not print the secrets"
cd "$T"
"$ENDURE" bundle "$RUN" -o "$T/b.tar.gz" 2>"$T/bundle.err" || fail "bundle: $(cat "$T/bundle.err")"
mkdir x && tar -xzf b.tar.gz -C x || fail "the bundle does not open"
for f in events.jsonl config.json MANIFEST.txt attempt-0/failure.json attempt-0/diagnose-compress.txt \
    attempt-0/n1/rank-1.log.tail; do
    [ -s "x/endure-bundle/$f" ] || fail "missing from the bundle: $f"
done
grep -q "failing with code 7 at step 30" x/endure-bundle/attempt-0/n1/rank-1.log.tail || fail "tail"
[ "$(wc -l <x/endure-bundle/attempt-0/n1/rank-1.log.tail)" -le 500 ] || fail "tail longer than 500 lines"
grep -q "hooks.example.com/\[redacted\]" x/endure-bundle/attempt-0/n1/rank-1.log.tail || fail "URL not redacted"
! grep -rqF "$MY_API_KEY" x || fail "the API key is in the bundle"
! grep -rqF "hooktoken" x || fail "the webhook token is in the bundle"
! grep -rqiF "$HEX" x || fail "the hex token is in the bundle"
! grep -rqE '(^|[^0-9a-fA-F])[0-9a-fA-F]{64}([^0-9a-fA-F]|$)' x || fail "a 64-hex token is in the bundle"
# --max-size: a rank log too big to fit is left out, the file stays within the bound
{ head -c 3000000 /dev/urandom | base64 -w 0; echo; } >>"$RUN/attempt-0/n1/rank-1.log"
"$ENDURE" bundle "$RUN" -o "$T/small.tar.gz" --max-size 256K 2>/dev/null || fail "bundle --max-size"
[ "$(stat -c %s "$T/small.tar.gz")" -le 262144 ] || fail "over --max-size: $(stat -c %s "$T/small.tar.gz")"
tar -xzOf small.tar.gz endure-bundle/MANIFEST.txt | grep -q "rank-1.log.tail *left out" ||
    fail "the manifest does not say what was left out"
check_no_leftovers
