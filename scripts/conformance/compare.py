#!/usr/bin/env python3
"""@module scripts/conformance/compare.py — compares two s3-tests outcome files (direct against
RGW, and through the gateway) test by test, against the lane's two committed lists:

  expected-differences.json  differences inherent in putting a gateway in front (one backend
                             credential, refused anonymous requests, ...): never a failure
  known-regressions.json     regressions that are gateway bugs not fixed yet, each with its
                             cause: reported, not a failure, so CI fails only on NEW ones

usage: compare.py DIRECT_JSON VIA_JSON [--config plain] [--expected F] [--known F]
                  [--reasons VIA_REASONS] [--direct-reasons F] [--rerun RERUN_JSON]
                  [--new-out FILE] [--json-out FILE] [--quiet]

Both list files are {"groups": [{"title": "short", "cause": "why", "configs": ["plain", ...],
"tests": ["test_name", ...]}]} (known regressions also carry "observed": the request/response
difference); a group applies to the gateway configs it names; tests are
named as in test_s3.py (the part after "::", parameters included). A regression is a test that
passed directly and did not pass through the gateway (failed, error, skipped or missing); an
improvement the reverse. --rerun: outcomes of a second gateway run of the new regressions; one
that passed there is reported as a flake, not a regression. --new-out writes the pytest node ids
of the new regressions, one a line (for that re-run). Exit 1 if any new regression, else 0.
"""
import json
import os
import sys

ORDER = ("passed", "failed", "error", "skipped")


def load(path, default=None):
    if path is None or not os.path.exists(path):
        if default is not None:
            return default
        sys.exit(f"compare: no such file {path}")
    with open(path) as f:
        return json.load(f)


def short(tid):
    return tid.rsplit("::", 1)[-1]


def counts(results):
    c = {k: 0 for k in ORDER}
    for v in results.values():
        c[v] = c.get(v, 0) + 1
    return c


def fmt_counts(c):
    return f"{c['passed']} passed, {c['failed']} failed, {c['error']} errors, {c['skipped']} skipped"


def load_list(path, config, what):
    """{test short name: group} for the groups that apply to one config; a test listed twice for
    the same config is an error (it would have two explanations)."""
    data = load(path, default={})
    index = {}
    for g in data.get("groups", []):
        if "cause" not in g or not isinstance(g.get("tests"), list) or not isinstance(g.get("configs"), list):
            sys.exit(f"compare: {path}: every {what} group needs a cause, configs and tests")
        if config not in g["configs"]:
            continue
        for t in g["tests"]:
            if t in index:
                sys.exit(f"compare: {path}: {t} is listed twice for {config}")
            index[t] = g
    return index


def parse(argv):
    opts = {"config": "plain", "quiet": False}
    pos = []
    it = iter(argv)
    for a in it:
        if a == "--quiet":
            opts["quiet"] = True
        elif a.startswith("--"):
            opts[a[2:].replace("-", "_")] = next(it, None)
        else:
            pos.append(a)
    if len(pos) != 2:
        sys.exit(__doc__)
    return pos, opts


def main(argv):
    (direct_path, via_path), o = parse(argv[1:])
    cfg = o["config"]
    direct, via = load(direct_path), load(via_path)
    reasons = load(o.get("reasons"), default={})
    direct_reasons = load(o.get("direct_reasons"), default={})
    rerun = load(o.get("rerun"), default={})
    expected = load_list(o.get("expected"), cfg, "expected-difference")
    known = load_list(o.get("known"), cfg, "known-regression")
    both = sorted(set(expected) & set(known))
    if both:
        sys.exit(f"compare: listed both as expected and as known regressions: {', '.join(both)}")

    rows = {"expected": [], "known": [], "flaky": [], "new": [], "improved": []}
    differing = set()
    for tid in sorted(set(direct) | set(via)):
        d, v = direct.get(tid, "missing"), via.get(tid, "missing")
        if (d == "passed") == (v == "passed"):
            continue
        name = short(tid)
        differing.add(name)
        row = {"id": tid, "test": name, "direct": d, "via": v,
               "reason": reasons.get(tid) if d == "passed" else direct_reasons.get(tid)}
        if name in expected:
            row["cause"] = expected[name].get("title") or expected[name]["cause"]
            rows["expected"].append(row)
        elif d == "passed" and name in known:
            row["cause"] = known[name].get("title") or known[name]["cause"]
            rows["known"].append(row)
        elif d == "passed" and rerun.get(tid) == "passed":
            rows["flaky"].append(row)
        elif d == "passed":
            rows["new"].append(row)
        else:
            rows["improved"].append(row)
    # Listed tests that no longer differ: a fixed bug (remove it from the known list) or a
    # stale entry. Reported, never a failure: the list must not make a fix fail CI.
    # Only tests that ran on both sides count: a --only run or a partial (timed-out) run must
    # not call every unlisted entry fixed.
    ran = {short(t) for t in direct} & {short(t) for t in via}
    stale_known = sorted(t for t in known if t in ran and t not in differing)
    stale_expected = sorted(t for t in expected if t in ran and t not in differing)

    cd, cv = counts(direct), counts(via)
    lines = []
    p = lines.append
    p(f"s3-tests conformance, gateway config '{cfg}'")
    p(f"  direct:  {len(direct)} tests: {fmt_counts(cd)}")
    p(f"  gateway: {len(via)} tests: {fmt_counts(cv)}")
    p(f"  differences: {len(rows['expected'])} expected, {len(rows['known'])} known regressions, "
      f"{len(rows['new'])} NEW regressions, {len(rows['improved'])} unexplained improvements, "
      f"{len(rows['flaky'])} flaky (passed on re-run)")

    def by_cause(title, items, verbose):
        if not items:
            return
        p("")
        p(f"{title}: {len(items)}")
        groups = {}
        for r in items:
            groups.setdefault(r["cause"], []).append(r)
        for cause, rs in groups.items():
            p(f"  [{len(rs)}] {cause}")
            if verbose:
                p("      " + ", ".join(r["test"] for r in rs))

    def listed(title, items, hint):
        if not items:
            return
        p("")
        p(f"{title}: {len(items)}{hint}")
        for r in items:
            why = f"  -- {r['reason']}" if r.get("reason") else ""
            p(f"  {r['test']}  (direct {r['direct']}, gateway {r['via']}){why}")

    listed("NEW REGRESSIONS (pass directly, not through the gateway; not in known-regressions.json)",
           rows["new"], "")
    by_cause("known regressions (gateway bugs not fixed yet; known-regressions.json)", rows["known"], not o["quiet"])
    by_cause("expected differences (inherent; expected-differences.json)", rows["expected"], not o["quiet"])
    listed("improvements not in expected-differences.json (pass through the gateway only)", rows["improved"], "")
    listed("flaky: failed through the gateway, passed when re-run", rows["flaky"], "")
    if stale_known:
        p("")
        p(f"known regressions that pass now (fixed? remove them from known-regressions.json): {len(stale_known)}")
        p("  " + ", ".join(stale_known))
    if stale_expected:
        p("")
        p(f"expected differences not seen in this run: {len(stale_expected)}")
        p("  " + ", ".join(stale_expected))
    p("")
    p(f"result: {'FAIL' if rows['new'] else 'OK'} ({len(rows['new'])} new regressions)")
    print("\n".join(lines))

    if o.get("new_out"):
        with open(o["new_out"], "w") as f:
            f.writelines(r["id"] + "\n" for r in rows["new"])
    if o.get("json_out"):
        with open(o["json_out"], "w") as f:
            json.dump({"config": cfg, "direct": cd, "gateway": cv, "differences": rows,
                       "stale_known": stale_known, "stale_expected": stale_expected}, f, indent=1)
            f.write("\n")
    return 1 if rows["new"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
