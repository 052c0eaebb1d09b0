# Every bad value of `endure run` is refused with exit 2 before the run
# directory or any agent exists (durations, signal lists, --progress-regex,
# PET_ variables, rule and policy files); PCRE2 match-limit hits are
# reported by `rules test` and journaled by a run.
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e

# refused MESSAGE ARGS...: expect exit 2, MESSAGE on stderr, no run dir, no process
refused() {
    local want=$1; shift
    run_endure "$@" -- "$FAKE" --steps 1
    expect_rc 2
    grep -q -- "$want" "$ERR" || fail "'$*': wanted '$want' in: $(cat "$ERR")"
    [ ! -e "$RUN" ] || fail "'$*': the run directory was created"
}
refused "invalid value 'step (' for --progress-regex" --progress-regex 'step ('
refused "invalid value 'nan' for --hang-timeout" --hang-timeout nan
refused "invalid value 'nan' for --restart-backoff" --restart-backoff nan
refused "for --startup-timeout" --startup-timeout 1e3
refused "for --agent-timeout" --agent-timeout 0x10
refused "for --forward-signals" --forward-signals ''
export PET_HANG_TIMEOUT=nan
refused "(from PET_HANG_TIMEOUT)"
unset PET_HANG_TIMEOUT
export PET_PROGRESS_REGEX='(?<'
refused "(from PET_PROGRESS_REGEX)"
unset PET_PROGRESS_REGEX

# rule and policy files given on the command line are loaded first
{ printf -- '- id: x\n  examples:\n    - '; head -c 200000 /dev/zero | tr '\0' '['; echo; } >"$T/deep.yaml"
refused "deep.yaml:3:.*nesting deeper than 64 levels" --rules "$T/deep.yaml"
printf 'overrides:\n  nccl_timeout: stop\n  nccl_timeout: restart\n' >"$T/dup.yaml"
refused "dup.yaml:3:3: duplicate key 'nccl_timeout' (first at line 2)" --policy "$T/dup.yaml"
sed 's/(?<host>/(?<hots>/' "$ENDURE_SRC/tests/data/rules-unit/basic.yaml" >"$T/groups.yaml"
grep -q '(?<hots>' "$T/groups.yaml" || fail "no named group in basic.yaml"
refused "unknown capture group name 'hots'" --rules "$T/groups.yaml"
check_no_leftovers

# a pattern that backtracks past the match limit: rules test fails the line
cat >"$T/limit.yaml" <<'YAML'
- id: t.backtrack
  category: framework
  type: runtime_error
  role: root
  action: restart
  match: '(a+)+$'
  explain: x
  examples: ['aaa']
YAML
long=$(head -c 4000 /dev/zero | tr '\0' a)b
printf "  counter_examples: ['%s']\n" "$long" >>"$T/limit.yaml"
set +e
"$ENDURE" rules test "$T/limit.yaml" >"$T/rt" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "rules test: rc $rc: $(cut -c1-200 "$T/rt")"
grep -q "FAIL rule t.backtrack: counter_example hits the match limit" "$T/rt" || fail "limit hit not reported: $(cut -c1-200 "$T/rt")"
grep -q "1 pattern runs hit the match limit" "$T/rt" || fail "no limit count: $(cut -c1-200 "$T/rt")"

# and a run journals the hits of its ranks' lines
run_endure --rules "$T/limit.yaml" -- sh -c "echo $long"
expect_rc 0
[ "$(count regex_limit_hits)" -ge 1 ] || fail "no regex_limit_hits event"
[ "$(field regex_limit_hits runs)" -ge 1 ] || fail "regex_limit_hits without runs"
grep -q "stopped at the PCRE2 match limit" "$ERR" || fail "limit hits not logged"
check_no_leftovers

# the agent's --connect port is a plain number (getaddrinfo alone would
# also take "+PORT", " PORT" and service names)
/usr/bin/python3 - "$T/port" <<'PY' &
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); s.settimeout(8)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
try:
    s.accept()[0].close()
except socket.timeout:
    pass
PY
lpid=$!
wait_for test -s "$T/port"
set +e
echo x | timeout 5 "$ENDURE" agent --connect "127.0.0.1:+$(cat "$T/port")" --node n0 2>"$T/agent.err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "agent with port '+N': rc $rc"
grep -q "cannot connect to the controller" "$T/agent.err" || fail "agent: $(cat "$T/agent.err")"
exec 5<>/dev/tcp/127.0.0.1/"$(cat "$T/port")"; exec 5>&- # ends the listener
wait "$lpid" || true
