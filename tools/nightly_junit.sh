#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# nightly_junit.sh RESULTS: the JUnit XML of a nightly run on stdout, from the results.txt tools/nightly.sh collects:
# one <testcase> per job (classname: its command, run or sweep, and scenario; name: the command line; time: its
# seconds), with a <failure> holding the job's output tail when it failed. Records are "ok|FAIL rc=N t=S COMMAND",
# then its verdict line ("     ..."), then for a failure its tail ("     | ..."). Exit 1 if RESULTS cannot be read.
set -u
results=${1:?usage: nightly_junit.sh RESULTS}
[ -r "$results" ] || { echo "nightly_junit: cannot read $results" >&2; exit 1; }
LC_ALL=C awk '
# XML 1.0 text and attribute values: markup escaped, control bytes (the tail of a terminal) as "?"
function esc(s) {
    gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s)
    gsub(/\047/, "\\&apos;", s); gsub(/[\001-\010\013\014\016-\037\177]/, "?", s)
    return s
}
function flush() {
    if (n == 0) return
    body = body sprintf("    <testcase classname=\"%s\" name=\"%s\" time=\"%s\"", esc(cls[n]), esc(cmd[n]), tm[n])
    if (bad[n]) {
        body = body sprintf(">\n      <failure message=\"%s\">%s</failure>\n    </testcase>\n",
                            esc("exit " rc[n] (verdict[n] != "" ? ": " verdict[n] : "")), esc(tail[n]))
    } else {
        body = body "/>\n"
    }
}
/^(ok|FAIL) +rc=/ {
    flush(); n++
    bad[n] = ($1 == "FAIL"); failures += bad[n]
    rc[n] = substr($2, 4); tm[n] = ($3 ~ /^t=/) ? substr($3, 3) : "0"; total_t += tm[n]
    line = $0; sub(/^(ok|FAIL) +rc=[^ ]+ +(t=[^ ]+ +)?/, "", line); cmd[n] = line
    # "RACEBED run SCENARIO ...": the command and the scenario name the class; ".../symmetry_compare.sh RACEBED
    # SCENARIO ...": "symmetry" and the scenario
    split(line, w, " "); cls[n] = w[1] ~ /symmetry_compare\.sh$/ ? "nightly.symmetry." w[3] : "nightly." w[2] "." w[3]
    verdict[n] = ""; tail[n] = ""; next
}
n > 0 && /^     \| / { tail[n] = tail[n] substr($0, 8) "\n"; next }
n > 0 && /^     / && verdict[n] == "" { v = $0; sub(/^ +/, "", v); sub(/ +$/, "", v); verdict[n] = v; next }
END {
    flush()
    printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    printf "<testsuites name=\"racebed nightly\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n", n, failures, total_t
    printf "  <testsuite name=\"racebed nightly\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n", n, failures, total_t
    printf "%s", body
    printf "  </testsuite>\n</testsuites>\n"
}' "$results"
