# endure's hostlist expansion (common/hostlist.c, through the
# build/tests/hostlist_expand helper) against Slurm's own: `scontrol show
# hostnames EXPR` must print the same names in the same order for every
# good expression, and both must fail on every malformed one. scontrol
# needs a slurm.conf (ClusterName and SlurmctldHost; no slurmctld is
# contacted for `show hostnames`), so the test writes a minimal one in its
# scratch dir and points SLURM_CONF at it. A missing scontrol FAILS the test
# (setup.sh installs slurm-client).
source "$ENDURE_SRC/tests/e2e/lib.sh"
set -e
HL="$BUILD_DIR/tests/hostlist_expand"
[ -x "$HL" ] || fail "helper $HL not built"
command -v scontrol >/dev/null || fail "scontrol not found: install slurm-client (setup.sh does) to compare hostlists with Slurm"
printf 'ClusterName=endure-test\nSlurmctldHost=localhost\n' >"$T/slurm.conf"
export SLURM_CONF="$T/slurm.conf"
unset SLURM_JOB_NODELIST SLURM_NODELIST

# scontrol_names EXPR: Slurm's expansion on stdout; non-zero when Slurm
# refuses it (scontrol exits 0 on "Invalid hostlist" and prints it on
# stderr, so anything on stderr or no name at all is a refusal).
scontrol_names() {
    local rc=0
    timeout 20 scontrol show hostnames "$1" >"$T/s.out" 2>"$T/s.err" || rc=$?
    [ "$rc" -eq 0 ] && [ ! -s "$T/s.err" ] && [ -s "$T/s.out" ]
}
ours() { timeout 20 "$HL" "$1" >"$T/o.out" 2>"$T/o.err"; }

good=(
    'n1' 'n1,n2' 'n[1-4]' 'n[1-4,7]' 'n[1,3,5-6]' 'gpu-a[01-03],gpu-b5' 'n[001-003]'
    'n[1-010]' 'n[9-010]' 'n[01-10]' 'n[08-11]' 'n[099-101]' 'n[0-3]' 'n[00-3]' 'n[007]'
    'n[01-1]' 'n[1-3,05-6]' 'rack[1-2]-n[1-2]' 'rack[01-02]-n[1,3]' 'a[1-2]b[3-4]'
    'a[1-2]b[1-2]c[1-2]' 'a[1-2]b[1-2]c[1-2]d[1-2]' 'a[1,3]b[08-9]c[1]' 'n[1-2][3-4]'
    '[1-3]' ' n1, n2 ' $'n1\tn2\nn3' 'n1 n2' 'n1,,n2,' ',n1' 'n1,n1' 'n[1-3,2]'
    'N[1-2]' 'web.example.com,db[1-2]' 'n_[1-2]' 'node-[1-3],login1,gpu[10-12]' '10.0.0.[1-3]'
    'n[1-65536]' 'x[1-100]y[1-50]' 'n[4294967295-4294967297]'
)
bad=(
    'n[3-1]' 'n[]' '[]' 'n[a-b]' 'n[1,,2]' 'n[1-2,]' 'n[,1]' 'n[-3]' 'n[1--3]' 'n[0x1]'
    'n[[1-2]]' 'n[1-2]]' '[1-2]n' 'n[1-2]x' 'n[1-2]-x' 'n[1-2]1' 'n[1,2]x' 'a[1-2]b[3]c'
    'n[1-2,3-4]x' 'n[1-3]:x' 'n[1-2].example.com' 'n[1-2 ]' 'n[1-65537]' 'n[0-65536]' 'n[1-99999999]' '' ' ' ','
)
# Slurm accepts these (silently, with odd results); endure refuses them.
stricter=('n[' 'n[1-2' 'a[b' 'n[3-]' 'n[ 1-2]' 'n[1 -2]' 'n[1, 2]' 'n[+1]' 'a]b' 'n1;n2'
    '.n1' "$(printf 'x%.0s' $(seq 256))")

compared=0
for e in "${good[@]}"; do
    scontrol_names "$e" || fail "scontrol refuses '$e': $(cat "$T/s.err")"
    ours "$e" || fail "endure refuses '$e': $(cat "$T/o.err")"
    if ! cmp -s "$T/s.out" "$T/o.out"; then
        diff "$T/s.out" "$T/o.out" | head -n 20 >&2
        fail "'$e': endure's names differ from scontrol's (diff above: < scontrol, > endure)"
    fi
    compared=$((compared + 1))
done
for e in "${bad[@]}"; do
    if scontrol_names "$e"; then fail "scontrol accepts '$e': $(head -c 200 "$T/s.out")"; fi
    if ours "$e"; then fail "endure accepts '$e': $(head -c 200 "$T/o.out")"; fi
    [ ! -s "$T/o.out" ] || fail "endure printed names for the bad '$e'"
    [ "$(wc -l <"$T/o.err")" -eq 1 ] || fail "'$e': not one line of error: $(cat "$T/o.err")"
    grep -qF "bad hostlist '$e'" "$T/o.err" || fail "'$e': error does not name the expression: $(cat "$T/o.err")"
    compared=$((compared + 1))
done
for e in "${stricter[@]}"; do
    if ours "$e"; then fail "endure accepts '$e': $(head -c 200 "$T/o.out")"; fi
    grep -q "^bad hostlist '" "$T/o.err" || fail "'$e': unclear error: $(cat "$T/o.err")"
done
[ "$compared" -ge 30 ] || fail "only $compared expressions compared"
echo "compared $compared expressions with scontrol $(scontrol --version)"
check_no_leftovers
