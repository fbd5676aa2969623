#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""race_analysis.py RACEBED [OUTDIR]: the race-condition analysis (`make report`).

For each race class (a scenario): each mutant with the strategies that found it (the seeded random strategy, then the
exhaustive search over states), executions and seconds to find it, its schedule inline with a link to its timeline
page; the core's exhaustive proof (its verdict, bounds and fault kinds, states, seconds), or INCOMPLETE with why; the
core under every fault kind with the probes each run reached. Everything comes from `racebed run --json` (the schema
in reports/schema/); nothing is copied from earlier runs. Writes OUTDIR/race-analysis.md and .json (default
reports/), the schedules and pages under OUTDIR/analysis/. Exit 1 if a mutant goes unfound or the core shows a
violation, 2 on a usage or tool error.
"""
import json
import os
import subprocess
import sys
import time

SIZES = {"thundering_herd": ["--threads", "3"], "rapid_sequential": ["--requests", "3"]}
RANDOM_EXECS = os.environ.get("ANALYSIS_EXECS", "200000")
PROOF_SECONDS = os.environ.get("ANALYSIS_PROOF_SECONDS", "300")
FAULT_EXECS = os.environ.get("ANALYSIS_FAULT_EXECS", "20000")


def run_json(rb, args):
    """Runs racebed with --json; returns (exit code, document)."""
    p = subprocess.run([rb] + args + ["--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        sys.stderr.write("race_analysis: %s %s wrote no JSON (exit %d): %s\n"
                         % (rb, " ".join(args), p.returncode, p.stderr.strip()[:400]))
        sys.exit(2)
    return p.returncode, doc


def catalog(rb):
    p = subprocess.run([rb, "list"], stdout=subprocess.PIPE, text=True, check=True)
    scenarios = {}
    for line in p.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3:
            scenarios.setdefault(parts[0], []).append((parts[1], parts[2]))
    return scenarios


def canaries(rb):
    """mutant ("scenario/name") -> the oracle its scenario declares it must be killed by."""
    p = subprocess.run([rb, "list", "--oracles"], stdout=subprocess.PIPE, text=True)
    out = {}
    for line in p.stdout.splitlines():
        if " killed by: " not in line or "NONE" in line:
            continue
        oracle, rest = line.split(" killed by: ", 1)
        for k in rest.split(";")[0].split(", "):
            out[k.strip()] = oracle.strip()
    return out


def found(doc, code):
    v = doc.get("violation") or {}
    sched = doc.get("schedule") or {}
    return {
        "exit_code": code,
        "verdict": doc.get("verdict"),
        "oracle": v.get("oracle"),
        "message": v.get("message"),
        "executions": doc.get("executions"),
        "states": (doc.get("exhaustive") or {}).get("states"),
        "seconds": doc.get("search_s", doc.get("elapsed_s")),
        "schedule": sched.get("path"),
        "schedule_decisions": sched.get("decisions"),
        "incomplete_reason": doc.get("incomplete_reason"),
    }


def analyse(rb, out):
    sub = os.path.join(out, "analysis")
    os.makedirs(sub, exist_ok=True)
    declared = canaries(rb)
    classes, bad = [], 0
    for scen, variants in sorted(catalog(rb).items()):
        size = SIZES.get(scen, [])
        entry = {"scenario": scen, "description": variants[0][1], "size": " ".join(size), "mutants": []}
        for variant, description in variants[1:]:
            m = {"variant": variant, "description": description,
                 "declared_oracle": declared.get("%s/%s" % (scen, variant.split(":", 1)[1]))}
            code, doc = run_json(rb, ["run", scen, "--variant", variant, "--seed", "1", "--budget-execs",
                                      RANDOM_EXECS, "--out", sub] + size)
            m["random"] = found(doc, code)
            code, doc = run_json(rb, ["run", scen, "--variant", variant, "--strategy", "exhaustive", "--reduce",
                                      "hash", "--budget", "120", "--out", os.path.join(sub, "exhaustive")] + size)
            m["exhaustive"] = found(doc, code)
            if m["random"]["verdict"] != "VIOLATION" or m["random"]["oracle"] != m["declared_oracle"]:
                bad = 1
            sched = m["random"]["schedule"]
            if sched and os.path.exists(sched):
                with open(sched) as f:
                    m["schedule_text"] = f.read()
                page = sched[:-len(".sched")] + ".html"
                m["timeline"] = page if os.path.exists(page) else None
            entry["mutants"].append(m)
        code, doc = run_json(rb, ["run", scen, "--reduce", "hash", "--budget", PROOF_SECONDS, "--require-probes",
                                  "race", "--out", sub] + size)
        entry["proof"] = {"exit_code": code, "verdict": doc.get("verdict"), "proved": doc.get("proved"),
                          "bounds": (doc.get("exhaustive") or {}).get("bounds"),
                          "states": (doc.get("exhaustive") or {}).get("states"),
                          "seconds": doc.get("search_s", doc.get("elapsed_s")),
                          "incomplete_reason": doc.get("incomplete_reason"),
                          "probes": (doc.get("probes") or {}).get("reached")}
        code, doc = run_json(rb, ["run", scen, "--faults", "all", "--seed", "1", "--budget-execs", FAULT_EXECS,
                                  "--out", sub] + size)
        entry["faults"] = {"exit_code": code, "verdict": doc.get("verdict"), "executions": doc.get("executions"),
                           "seconds": doc.get("search_s", doc.get("elapsed_s")),
                           "probes": (doc.get("probes") or {}).get("reached"),
                           "violation": doc.get("violation")}
        if entry["proof"]["verdict"] not in ("PROVED", "INCOMPLETE") or entry["faults"]["verdict"] != "PASS":
            bad = 1
        classes.append(entry)
        print("analysis: %-18s %d mutants, core %s" % (scen, len(entry["mutants"]), entry["proof"]["verdict"]),
              flush=True)
    return classes, bad


def fmt_s(v):
    return "-" if v is None else "%.2f s" % v


def write_md(classes, out, path):
    rel = lambda p: os.path.relpath(p, out) if p else None
    lines = ["# Race-condition analysis", "",
             "Generated by `make report` (`tools/race_analysis.py`) from `racebed run --json`: every figure below was "
             "measured in this run. A PROVED verdict holds within the bounds and fault kinds it names; INCOMPLETE is "
             "never a proof.", "",
             "| race class | mutant | found by | oracle | random: executions, time | exhaustive: states, time | "
             "schedule |", "|---|---|---|---|---|---|---|"]
    for c in classes:
        for m in c["mutants"]:
            r, e = m["random"], m["exhaustive"]
            ok = r["verdict"] == "VIOLATION" and r["oracle"] == m["declared_oracle"]
            lines.append("| %s | %s | %s | %s%s | %s, %s | %s | %s |" % (
                c["scenario"], m["variant"], "random" + (", exhaustive" if e["verdict"] == "VIOLATION" else ""),
                r["oracle"] or "NOT FOUND", "" if ok else " (declared %s)" % m["declared_oracle"],
                r["executions"], fmt_s(r["seconds"]),
                ("%s, %s" % (e["states"], fmt_s(e["seconds"]))) if e["verdict"] == "VIOLATION" else e["verdict"],
                "[timeline](%s)" % rel(m.get("timeline")) if m.get("timeline") else "-"))
    lines.append("")
    for c in classes:
        p, f = c["proof"], c["faults"]
        lines += ["## %s" % c["scenario"], "", c["description"] + (" (size: `%s`)" % c["size"] if c["size"] else ""),
                  ""]
        if p["verdict"] == "PROVED":
            lines.append("**The core: PROVED** within %s: %s states, %s." % (
                (p["proved"] or {}).get("within", "its bounds"), p["states"], fmt_s(p["seconds"])))
            if (p["proved"] or {}).get("not_explored"):
                lines.append("Not explored: %s." % p["proved"]["not_explored"])
        else:
            lines.append("**The core: %s** (%s), %s states, %s." % (p["verdict"], p["incomplete_reason"] or "",
                                                                 p["states"], fmt_s(p["seconds"])))
        reached = ", ".join("%s %s" % (k, v) for k, v in sorted((f["probes"] or {}).items()) if v)
        lines += ["", "Under every fault kind (random, %s executions, %s): %s; probes reached: %s." % (
            f["executions"], fmt_s(f["seconds"]), f["verdict"], reached or "none"), ""]
        for m in c["mutants"]:
            r = m["random"]
            lines += ["### %s" % m["variant"], "", m["description"], ""]
            if r["verdict"] != "VIOLATION":
                lines += ["NOT FOUND by the random strategy in %s executions." % r["executions"], ""]
                continue
            lines += ["Found by the random strategy after %s executions (%s): `%s`: %s" % (
                r["executions"], fmt_s(r["seconds"]), r["oracle"], r["message"]), ""]
            e = m["exhaustive"]
            if e["verdict"] == "VIOLATION":
                lines += ["The exhaustive search over states finds it after %s states (%s)." % (e["states"],
                                                                                          fmt_s(e["seconds"])), ""]
            if m.get("timeline"):
                lines += ["Timeline: [%s](%s)" % (os.path.basename(m["timeline"]), rel(m["timeline"])), ""]
            body = [l for l in m.get("schedule_text", "").splitlines()  # the decisions, not the header's parameters
                    if l and not l.startswith(("#", "param ", "tool ", "racebed-schedule", "script "))]
            lines += ["```", *body, "```", ""]
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 else 2)
    rb, out = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "reports"
    t0 = time.time()
    classes, bad = analyse(rb, out)
    doc = {"generated_by": "tools/race_analysis.py", "racebed": rb, "seconds": round(time.time() - t0, 1),
           "classes": classes}
    with open(os.path.join(out, "race-analysis.json"), "w") as fh:
        json.dump(doc, fh, indent=2, sort_keys=True)
        fh.write("\n")
    write_md(classes, out, os.path.join(out, "race-analysis.md"))
    print("analysis: %s and %s (%.0f s)%s" % (os.path.join(out, "race-analysis.md"),
                                              os.path.join(out, "race-analysis.json"), time.time() - t0,
                                              "" if not bad else ": SOME MUTANT WAS NOT FOUND OR THE CORE FAILED"))
    sys.exit(bad)


if __name__ == "__main__":
    main()
