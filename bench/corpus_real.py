#!/usr/bin/env python3
"""corpus_real: measures `endure diagnose --json` on the real-log corpus of
tests/data/corpus-real (logs collected verbatim from public issue trackers,
labelled in labels.tsv, split once into dev and held-out in split.tsv).

Prints, per split, the accuracy of category, type, action and culprit (over
the logs whose label names a culprit: every labelled host/rank/gpu must be
returned), the confusion between categories, and every miss of the
held-out split with the expected and the returned verdict (--misses dev
lists the dev misses too). With --floor-dev / --floor-held F it prints
"PASS corpus-real:<split>" or "FAIL corpus-real:<split> (...)" lines for
tests/run.sh: a split passes when its category, type and action accuracies
are all at least F (fractions, e.g. 0.9); with a floor it also prints
"PASS/FAIL corpus-real:runs" (every `endure diagnose` exited 0 with JSON:
under the sanitizers a report is a failure, not a quiet miss).

The logs go to `endure diagnose --each --json` in batches of 100 (the
rules are loaded once per batch: under ASan loading them costs ~0.3 s),
--jobs batches at a time (default: one per CPU).

--ids FILE measures only the logs whose ids FILE lists (one a line): the
figures of one batch, e.g. the held-out part of logs added in one round.

--llm URL measures rules plus the LLM fallback (`endure diagnose --llm`,
advise mode: the LLM is asked when the rule verdict is unknown, none or
below --llm-min-confidence, and a verdict that passes endure's validation
decides). A log the LLM decided is scored on the LLM's verdict; the
figures add how many logs were sent and how many the LLM decided, per
split. The key comes from ENDURE_LLM_API_KEY (never argv). Logs go to the
server: use it only with a server you may send the corpus to.

--without GLOB (repeatable) measures without the shipped rule files whose
names match GLOB: `--without 'corpus-w16*.yaml' --ids FILE`, with FILE the
dev logs of that round, estimates how the other rules do on logs they were
not written for (a stand-in for unseen logs that costs no held-out log).
With --without, no miss is listed unless --misses says whose.

usage: corpus_real.py [--endure BIN] [--json] [--misses dev|held|all|none]
                      [--floor-dev F] [--floor-held F] [--jobs N] [--ids FILE]
                      [--corpus DIR] [--without GLOB]...
                      [--llm URL [--llm-model NAME] [--llm-timeout DUR]
                       [--llm-min-confidence X]]
"""
import argparse, collections, concurrent.futures, csv, fnmatch, json, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "tests", "data", "corpus-real")
FIELDS = ("category", "type", "action")


def norm_gpu(g):
    """0000:3B:00.0, 3b:00 and PCI:0000:3b:00 name the same device."""
    g = str(g).strip().lower()
    g = re.sub(r"^pci:", "", g)
    m = re.fullmatch(r"(?:[0-9a-f]{4,8}:)?([0-9a-f]{2}:[0-9a-f]{2})(?:\.[0-7])?", g)
    return m.group(1) if m else g


def same_host(a, b):
    """One host under two names: a short name and its FQDN
    (cuda-24-0, cuda-24-0.local), and an EC2 instance's default name and
    the private address it spells (ip-10-0-87-143, 10.0.87.143)."""
    a, b = str(a).strip().lower(), str(b).strip().lower()
    if a == b:
        return True
    ipv4 = r"\d{1,3}(?:\.\d{1,3}){3}"

    def as_ip(h):
        m = re.fullmatch(r"ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(?:\.[\w.-]+)?", h)
        return ".".join(m.groups()) if m else (h if re.fullmatch(ipv4, h) else None)
    if as_ip(a) and as_ip(a) == as_ip(b):
        return True
    if re.fullmatch(ipv4, a) or re.fullmatch(ipv4, b) or ("." in a) == ("." in b):
        return False
    return a.split(".")[0] == b.split(".")[0]


def check_scoring():
    """The culprit scoring's equivalences, each pair as it must come out:
    a list of the pairs that do not."""
    pairs = [(same_host, "cuda-24-0", "cuda-24-0.local", True), (same_host, "ip-10-0-87-143", "10.0.87.143", True),
             (same_host, "ip-10-0-87-143.ec2.internal", "ip-10-0-87-143", True),
             (same_host, "GPU236", "gpu236", True), (same_host, "10.0.0.1", "10.0.0.2", False),
             (same_host, "10.0.0.1", "10", False), (same_host, "node1", "node2.cluster", False),
             (same_host, "a.example", "a.other", False), (same_host, "ip-10-0-87-143", "10.0.87.144", False),
             (lambda a, b: norm_gpu(a) == norm_gpu(b), "0000:3B:00.0", "PCI:0000:3b:00", True),
             (lambda a, b: norm_gpu(a) == norm_gpu(b), "0000:3b:00.0", "0000:3c:00.0", False)]
    return ["%s ~ %s should be %s" % (a, b, want) for f, a, b, want in pairs if bool(f(a, b)) != want]


def culprit_ok(lab, got):
    for k in ("host", "rank", "gpu"):
        want = lab[k]
        if not want:
            continue
        have = got.get(k)
        if have is None:
            return False
        if k == "gpu":
            if norm_gpu(have) != norm_gpu(want):
                return False
        elif k == "host":
            if not same_host(have, want):
                return False
        elif str(have).lower() != want.lower():
            return False
    return True


BATCH = 100


def effective(v):
    """The verdict that counts: the LLM's where it decided (rule "llm"),
    else the rules'; "llm" says whether the log was sent and decided."""
    llm = v.get("llm")
    if not isinstance(llm, dict):
        return v
    decided = (v.get("decision") or {}).get("source") == "llm" and isinstance(llm.get("verdict"), dict)
    if decided:
        v = dict(llm["verdict"], rule="llm", llm=llm)
    v["llm_use"] = "decided" if decided else ("asked" if llm.get("asked") else "")
    v["llm_failed"] = bool(llm.get("error"))
    return v


def run_batch(endure, paths, extra=()):
    """The verdicts for a batch of logs, in order; a log without one (the
    run failed, or exited non-zero) gets category "error" and "run_error"
    (the reason), counted by the runs check."""
    why, got = None, {}
    try:
        p = subprocess.run([endure, "diagnose", "--each", "--json"] + list(extra) + ["--"] + paths,
                           capture_output=True, timeout=600 + 60 * len(paths) * bool(extra))
        for line in p.stdout.decode("utf-8", "replace").splitlines():
            v = json.loads(line)
            got[v.pop("path", None)] = effective(v)
        if p.returncode != 0:
            why = "exit %d" % p.returncode
    except (subprocess.TimeoutExpired, OSError, ValueError) as e:
        why = str(e)[:60] or type(e).__name__
    out = []
    for path in paths:
        v = got.get(path) or {"category": "error", "type": why or "no verdict", "action": "error", "culprit": {}}
        if why:
            v["run_error"] = why
        out.append(v)
    return out


def load(corpus, ids_file=None):
    """The labelled logs of corpus (all, or those ids_file lists), each with
    its split and the path of its log."""
    labels = list(csv.DictReader(open(os.path.join(corpus, "labels.tsv")), delimiter="\t", quoting=csv.QUOTE_NONE))
    if ids_file:
        want = {l.strip() for l in open(ids_file) if l.strip()}
        unknown = want - {r["id"] for r in labels}
        if unknown:
            sys.exit("corpus_real: %d id(s) of %s are not in labels.tsv" % (len(unknown), ids_file))
        labels = [r for r in labels if r["id"] in want]
    split = {r["id"]: r["split"] for r in csv.DictReader(open(os.path.join(corpus, "split.tsv")), delimiter="\t", quoting=csv.QUOTE_NONE)}
    for r in labels:
        r["split"] = split.get(r["id"], "unsplit")
        r["path"] = os.path.join(corpus, r["id"] + ".log")
    return labels


def run_all(endure, paths, jobs, extra=()):
    """The verdicts for paths, in order, BATCH logs a run, jobs runs at once."""
    batches = [paths[i:i + BATCH] for i in range(0, len(paths), BATCH)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return [v for b in pool.map(lambda b: run_batch(endure, b, extra), batches) for v in b]


def measure(endure, labels, jobs, extra=()):
    res = collections.defaultdict(lambda: {"n": 0, "ok": collections.Counter(), "cn": 0,
                                           "conf": collections.Counter(), "miss": [], "err": 0,
                                           "llm": collections.Counter()})
    verdicts = run_all(endure, [lab["path"] for lab in labels], jobs, extra)
    for lab, got in zip(labels, verdicts):
        s = res[lab["split"]]
        s["err"] += "run_error" in got
        if got.get("llm_use"):
            s["llm"]["asked"] += 1
            s["llm"]["decided"] += got["llm_use"] == "decided"
            s["llm"]["failed"] += got.get("llm_failed", False)
        s["n"] += 1
        bad = [f for f in FIELDS if str(got.get(f)) != lab[f]]
        for f in FIELDS:
            s["ok"][f] += f not in bad
        if lab["host"] or lab["rank"] or lab["gpu"]:
            s["cn"] += 1
            good = culprit_ok(lab, got.get("culprit") or {})
            s["ok"]["culprit"] += good
            if not good:
                bad.append("culprit")
        s["conf"][(lab["category"], str(got.get("category")))] += 1
        if bad:
            s["miss"].append((lab, got, bad))
    return res


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def report(res, misses, llm=None):
    for name in ("dev", "held"):
        s = res.get(name)
        if not s:
            continue
        n = s["n"]
        print("== %s split: %d logs (%d with a labelled culprit)" % (name, n, s["cn"]))
        print("   category %.1f%%  type %.1f%%  action %.1f%%  culprit %.1f%%" % (
            pct(s["ok"]["category"], n), pct(s["ok"]["type"], n), pct(s["ok"]["action"], n),
            pct(s["ok"]["culprit"], s["cn"])))
        if llm:
            print("   rules + LLM (%s): %d logs sent to the LLM, %d decided by it, %d got no answer" % (
                llm, s["llm"]["asked"], s["llm"]["decided"], s["llm"]["failed"]))
        cats = sorted({c for pair in s["conf"] for c in pair})
        print("   confusion (rows expected, columns returned):")
        print("   %-15s" % "" + "".join("%-9s" % c[:8] for c in cats))
        for e in cats:
            if any(s["conf"][(e, g)] for g in cats):
                print("   %-15s" % e[:15] + "".join("%-9s" % (s["conf"][(e, g)] or ".") for g in cats))
        if misses in (name, "all"):
            for lab, got, bad in s["miss"]:
                c = got.get("culprit") or {}
                print("   MISS %s [%s]: expected %s/%s/%s host=%s rank=%s gpu=%s; got %s/%s/%s host=%s rank=%s gpu=%s (rule %s)" % (
                    lab["id"], ",".join(bad), lab["category"], lab["type"], lab["action"],
                    lab["host"] or "-", lab["rank"] or "-", lab["gpu"] or "-",
                    got.get("category"), got.get("type"), got.get("action"),
                    c.get("host"), c.get("rank"), c.get("gpu"), got.get("rule")))


def floors(res, name, floor):
    s = res.get(name)
    if not s or not s["n"]:
        print("FAIL corpus-real:%s (no logs)" % name)
        return
    acc = {f: s["ok"][f] / s["n"] for f in FIELDS}
    low = ["%s %.1f%%" % (f, 100 * a) for f, a in acc.items() if a < floor]
    figures = " ".join("%s %.1f%%" % (f, 100 * a) for f, a in acc.items())
    figures += " culprit %.1f%%" % pct(s["ok"]["culprit"], s["cn"])
    if low:
        print("FAIL corpus-real:%s (below the floor %.0f%%: %s)" % (name, 100 * floor, ", ".join(low)))
    else:
        print("PASS corpus-real:%s (%d logs: %s; floor %.0f%%)" % (name, s["n"], figures, 100 * floor))


def runs_check(res):
    """Every run must have exited 0 with a verdict (counts only: the ids
    of held-out logs stay out of the output)."""
    errs = {k: v["err"] for k, v in res.items() if v["err"]}
    if errs:
        print("FAIL corpus-real:runs (endure diagnose failed on %s)" %
              ", ".join("%d %s logs" % (n, k) for k, n in sorted(errs.items())))
    else:
        print("PASS corpus-real:runs (%d logs)" % sum(v["n"] for v in res.values()))


def without(globs, into):
    """Links into directory `into` the files of the shipped rules directory
    (ENDURE_RULES_DIR, else rules/ of this tree) whose names match none of
    globs (the other files, such as the LLM prompt, too). Returns the
    number of rule files kept and an error text ("" when none): a glob that
    matches no rule file is a typo, not a measurement."""
    d = os.path.abspath(os.environ.get("ENDURE_RULES_DIR") or os.path.join(HERE, "..", "rules"))
    try:
        names = sorted(os.listdir(d))
    except OSError as e:
        return 0, "%s: %s" % (d, e.strerror)
    rules = [n for n in names if n.endswith((".yaml", ".yml"))]
    for g in globs:
        if not fnmatch.filter(rules, g):
            return 0, "--without %s: no rule file of %s matches" % (g, d)
    kept = [n for n in names if not (n in rules and any(fnmatch.fnmatch(n, g) for g in globs))]
    for n in kept:
        os.symlink(os.path.join(d, n), os.path.join(into, n))
    return sum(n in rules for n in kept), ""


def without_narrow(endure, labels, jobs, most, into):
    """The closer stand-in for unseen logs (docs/corpus-kit.md): writes into
    directory `into` the shipped rules with every corpus*.yaml rule that
    decides `most` dev logs or fewer (with all rules loaded) left out; the
    other files are linked. Such a rule was written for one project's
    message, and a log nobody wrote a rule for has no such rule; a corpus
    rule that decides more is a general one in a corpus file. Returns
    (rules left out, rules kept of the corpus files)."""
    import yaml  # python3-yaml, only for this option
    dev = [lab["path"] for lab in labels if lab["split"] == "dev"]
    decided = collections.Counter(v.get("rule") for v in run_all(endure, dev, jobs))
    d = os.path.abspath(os.environ.get("ENDURE_RULES_DIR") or os.path.join(HERE, "..", "rules"))
    left = kept = 0
    for n in sorted(os.listdir(d)):
        if not fnmatch.fnmatch(n, "corpus*.yaml"):
            os.symlink(os.path.join(d, n), os.path.join(into, n))
            continue
        rules = yaml.safe_load(open(os.path.join(d, n), encoding="utf-8")) or []
        keep = [r for r in rules if decided[r.get("id")] > most]
        left += len(rules) - len(keep)
        kept += len(keep)
        if keep:
            with open(os.path.join(into, n), "w", encoding="utf-8") as f:
                yaml.safe_dump(keep, f, allow_unicode=True, sort_keys=False, width=1 << 20)
    return left, kept


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endure", default=os.environ.get("ENDURE", os.path.join(HERE, "..", "build", "endure")))
    ap.add_argument("--misses", choices=("dev", "held", "all", "none"),
                    help="whose misses to list (default: held; none with --without, which is a "
                         "stand-in for unseen logs and must not show held-out ones by accident)")
    ap.add_argument("--floor-dev", type=float)
    ap.add_argument("--floor-held", type=float)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--ids", help="measure only the logs this file lists (one id a line)")
    ap.add_argument("--corpus", metavar="DIR", default=CORPUS,
                    help="another corpus of the same layout (labels.tsv, split.tsv, ID.log)")
    ap.add_argument("--llm", metavar="URL", help="rules plus the LLM fallback of this server (advise mode)")
    ap.add_argument("--llm-model", metavar="NAME", help="the model to ask (endure's default: \"default\")")
    ap.add_argument("--llm-timeout", metavar="DUR", help="the whole exchange per log (endure's default: 30s)")
    ap.add_argument("--llm-min-confidence", metavar="X",
                    help="rule verdicts below X go to the LLM (endure's default: 0.6)")
    ap.add_argument("--without", metavar="GLOB", action="append", default=[],
                    help="leave out the shipped rule files whose names match GLOB (repeatable)")
    ap.add_argument("--without-narrow", metavar="N", type=int,
                    help="the closer stand-in: measure the dev split only, without the corpus*.yaml rules "
                         "that decide N dev logs or fewer with all rules loaded")
    ap.add_argument("--check-scoring", action="store_true",
                    help="check the culprit scoring's name equivalences, print PASS/FAIL and exit")
    a = ap.parse_args()
    if a.check_scoring:
        bad = check_scoring()
        print("%s corpus-real:scoring%s" % ("FAIL" if bad else "PASS", (": " + "; ".join(bad)) if bad else ""))
        sys.exit(1 if bad else 0)
    if a.without and a.without_narrow is not None:
        ap.error("--without and --without-narrow are two stand-ins: give one")
    if a.misses is None:
        a.misses = "none" if a.without or a.without_narrow is not None else "held"
    if a.without_narrow is not None and a.misses in ("held", "all"):
        ap.error("--without-narrow measures the dev split only: --misses dev or none")
    for f in ("labels.tsv", "split.tsv"):
        if not os.path.isfile(os.path.join(a.corpus, f)):
            ap.error("%s: no %s (--corpus DIR needs labels.tsv, split.tsv and ID.log files)" % (a.corpus, f))
    extra = []
    if a.llm:
        extra = ["--llm", a.llm, "--llm-mode", "advise"]
        for opt in ("llm_model", "llm_timeout", "llm_min_confidence"):
            if getattr(a, opt) is not None:
                extra += ["--" + opt.replace("_", "-"), getattr(a, opt)]
    elif a.llm_model or a.llm_timeout or a.llm_min_confidence:
        ap.error("--llm-model, --llm-timeout and --llm-min-confidence need --llm URL")
    with tempfile.TemporaryDirectory(prefix="corpus-real-rules-") as tmp:
        if a.without:
            kept, why = without(a.without, tmp)
            if why:
                ap.error(why)
            os.environ["ENDURE_RULES_DIR"] = tmp  # the diagnose runs read the rules from there
            if not a.json:
                print("rules: %d shipped files, without those matching %s" % (kept, " ".join(a.without)))
        labels = load(a.corpus, a.ids)
        if a.without_narrow is not None:
            left, kept = without_narrow(a.endure, labels, max(1, a.jobs), a.without_narrow, tmp)
            os.environ["ENDURE_RULES_DIR"] = tmp
            labels = [lab for lab in labels if lab["split"] == "dev"]
            if not a.json:
                print("rules: without the %d corpus rules that decide %d dev logs or fewer (%d kept)"
                      % (left, a.without_narrow, kept))
        res = measure(a.endure, labels, max(1, a.jobs), extra)
    if a.json:
        out = {k: {"n": v["n"], "culprit_n": v["cn"], **{f: v["ok"][f] for f in FIELDS + ("culprit",)},
                   **({"llm_asked": v["llm"]["asked"], "llm_decided": v["llm"]["decided"],
                       "llm_failed": v["llm"]["failed"]} if a.llm else {})}
               for k, v in res.items()}
        print(json.dumps(out, indent=1))
    else:
        report(res, a.misses, "model %s at %s" % (a.llm_model or "default", a.llm) if a.llm else None)
    if a.floor_dev is not None or a.floor_held is not None:
        runs_check(res)
    if a.floor_dev is not None:
        floors(res, "dev", a.floor_dev)
    if a.floor_held is not None:
        floors(res, "held", a.floor_held)
    return 0


if __name__ == "__main__":
    sys.exit(main())
