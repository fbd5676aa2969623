#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# layout_check.sh: checks racebed's room layout on the BUILT objects (nm, objdump), not on the sources. sim/ is split
# into rooms stacked in levels; a module may use only symbols of its own room or of rooms of a lower level. An
# include graph cannot check that: a circle of use made of extern declarations or of callback tables never shows in
# an #include, but it shows in the objects as an undefined symbol of one module that another module defines.
# Checks (each violation is one line `layout: RULE: ...`):
#   room    an object under sim/ (or anywhere else) that is in no room (a leftover of the move, a new folder)
#   up      a module uses a symbol of a higher room, or of another room of its own level
#   circle  modules that use each other in a circle (inside one room too): one line per tied group
#   global  writable data (.data, .bss, TLS, common; not .data.rel.ro) outside sim/real/, shim/ and EXCEPTIONS
#   print   printf-family or stdout/stderr use outside sim/cli/ and sim/explore/sim_progress.o
#   api     scenarios and mutants using anything of the repo beyond core's public functions, mutants and the
#           functions of sim/sim_scenario.h (sim__*, lk__* and other sim/ symbols are not theirs)
# Usage: layout_check.sh [--build DIR] [--objects FILE] [--src DIR] [-v]
#   --build DIR     build directory; objects are read from DIR/obj (default: build)
#   --objects FILE  the objects to check, one path per line (default: every .o under DIR/obj; stale objects of
#                   deleted sources linger there, so the Makefile passes the exact set)
#   --src DIR       source root, for sim/sim_scenario.h (default: .)
#   -v              also print each module's room and the arrows between rooms with their counts
# Exit: 0 clean, 1 violations, 2 usage error or nothing to check (no objects, no nm/objdump, no header).
set -u

# Modules that may hold writable globals although outside sim/real/ and shim/. A missing module is fine.
EXCEPTIONS=(
    # the crash and busy-loop diagnosis of scenario code: a signal-handler context (its state cannot be passed in)
    sim/engine/sim_guard.o
)

usage() {
    echo "usage: bash tools/layout_check.sh [--build DIR] [--objects FILE] [--src DIR] [-v]" >&2
    exit 2
}

build=build
objects=
src=.
verbose=0
while [ $# -gt 0 ]; do
    case "$1" in
        --build) [ $# -ge 2 ] || usage; build=$2; shift 2 ;;
        --build=*) build=${1#--build=}; shift ;;
        --objects) [ $# -ge 2 ] || usage; objects=$2; shift 2 ;;
        --objects=*) objects=${1#--objects=}; shift ;;
        --src) [ $# -ge 2 ] || usage; src=$2; shift 2 ;;
        --src=*) src=${1#--src=}; shift ;;
        -v | --verbose) verbose=1; shift ;;
        -h | --help) sed -n '3,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "layout: unknown argument '$1'" >&2; usage ;;
    esac
done

for tool in nm objdump; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "layout: $tool not found: install binutils (apt-get install binutils)" >&2
        exit 2
    }
done
obj=${build%/}/obj
[ -d "$obj" ] || { echo "layout: no object directory $obj: run make first (or give --build DIR)" >&2; exit 2; }
header=${src%/}/sim/sim_scenario.h
[ -f "$header" ] || { echo "layout: no $header: give the source root with --src DIR" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/layout_check.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# The object list: "path<TAB>module", module = the path under DIR/obj (sim/run/sim_arena.o).
if [ -n "$objects" ]; then
    [ -f "$objects" ] || { echo "layout: no objects list $objects" >&2; exit 2; }
    grep -v '^[[:space:]]*$' "$objects" | grep -v '^#' >"$tmp/paths" || true
    while IFS= read -r p; do
        [ -f "$p" ] || { echo "layout: listed object $p does not exist: run make first" >&2; exit 2; }
    done <"$tmp/paths"
else
    find "$obj" -name '*.o' -type f | LC_ALL=C sort >"$tmp/paths"
fi
[ -s "$tmp/paths" ] || { echo "layout: no objects under $obj: run make first" >&2; exit 2; }
obj_abs=$(cd "$obj" && pwd -P)
while IFS= read -r p; do
    m=${p#./}
    case "$m" in
        "$obj"/*) m=${m#"$obj"/} ;;
        "${obj#./}"/*) m=${m#"${obj#./}"/} ;;
        "$obj_abs"/*) m=${m#"$obj_abs"/} ;;
        */obj/*) m=${m##*/obj/} ;;
    esac
    printf '%s\t%s\n' "$p" "$m"
done <"$tmp/paths" | LC_ALL=C sort -t "$(printf '\t')" -k2,2 -u >"$tmp/modules"

# One nm and one objdump run over all objects (xargs may split a very long list; every line names its file).
cut -f1 "$tmp/modules" | tr '\n' '\0' | xargs -0 nm -A -P -- >"$tmp/nm" 2>"$tmp/nm.err"
grep -v ': no symbols$' "$tmp/nm.err" >"$tmp/nm.err2"
[ -s "$tmp/nm.err2" ] && { cat "$tmp/nm.err2" >&2; echo "layout: nm failed (a half-written object? run make)" >&2; exit 2; }
cut -f1 "$tmp/modules" | tr '\n' '\0' | xargs -0 objdump -t -- >"$tmp/objdump" 2>"$tmp/objdump.err"
[ -s "$tmp/objdump.err" ] && { cat "$tmp/objdump.err" >&2; echo "layout: objdump failed (run make)" >&2; exit 2; }

LC_ALL=C awk -v verbose="$verbose" -v exceptions="${EXCEPTIONS[*]}" -v header="$header" '
function room_of(m) {
    if (m ~ /^core\/[^\/]+\.o$/) return "core"
    if (m ~ /^shim\/[^\/]+\.o$/) return "shim"
    if (m ~ /^sim\/model\//) return "model"
    if (m ~ /^sim\/run\//) return "run"
    if (m == "sim/sim_schedule.o") return "schedule"
    if (m ~ /^sim\/oracles\//) return "oracles"
    if (m ~ /^sim\/engine\//) return "engine"
    if (m ~ /^sim\/mutants\//) return "mutants"
    if (m ~ /^sim\/scenarios\// || m ~ /^user\/[^\/]+\.o$/) return "scenarios"
    if (m ~ /^sim\/explore\// || m == "gen/catalog.o") return "explore"
    if (m ~ /^sim\/real\//) return "real"
    if (m ~ /^sim\/search\//) return "search"
    if (m ~ /^sim\/report\//) return "report"
    if (m ~ /^sim\/cli\//) return "cli"
    return ""
}
function violation(line) { nviol++; print "layout: " line }
BEGIN {
    FS = "\t"
    nlev = split("core shim model run schedule oracles engine mutants scenarios explore real search report cli", rname, " ")
    split("0 0 1 2 3 4 5 6 7 8 8 9 10 11", rlev, " ")
    for (i = 1; i <= nlev; i++) level[rname[i]] = rlev[i] + 0
    nex = split(exceptions, ex, " ")
    for (i = 1; i <= nex; i++) exempt[ex[i]] = 1
    np = split("printf fprintf vprintf vfprintf dprintf vdprintf puts fputs putchar fputc putc fwrite perror " \
               "__printf_chk __fprintf_chk __vfprintf_chk __vprintf_chk __dprintf_chk __vdprintf_chk " \
               "stdout stderr putchar_unlocked fputc_unlocked putc_unlocked fputs_unlocked fwrite_unlocked _IO_putc",
               pl, " ")
    for (i = 1; i <= np; i++) printsym[pl[i]] = 1
    # The public scenario API: function names declared in sim/sim_scenario.h (comments stripped).
    text = ""
    while ((getline line < header) > 0) text = text line "\n"
    close(header)
    while ((s = index(text, "/*")) > 0) {
        rest = substr(text, s + 2); e = index(rest, "*/")
        text = substr(text, 1, s - 1) " " (e > 0 ? substr(rest, e + 2) : "")
    }
    gsub(/\/\/[^\n]*/, "", text)
    while (match(text, /[A-Za-z0-9_]+[ \t\n]*\(/)) {
        id = substr(text, RSTART, RLENGTH); text = substr(text, RSTART + RLENGTH)
        sub(/[ \t\n]*\($/, "", id)
        if (id ~ /^sim_[a-z0-9_]+$/ && id !~ /^sim__/) api[id] = 1
    }
}
FILENAME == ARGV[1] {                      # path TAB module
    n++; mod[n] = $2; byfile[$1] = n; rm = room_of($2); room[n] = rm
    if (rm != "" && !(rm in nroom)) { nroom[rm] = 0; rooms++ }
    if (rm != "") nroom[rm]++
    next
}
FILENAME == ARGV[2] {                      # nm -A -P: "path: name type [value size]"
    if (nmf == "" || substr($0, 1, length(nmf) + 2) != nmf ": ") {   # a new file: the longest listed prefix
        nmf = ""
        for (p in byfile) if (substr($0, 1, length(p) + 2) == p ": " && length(p) > length(nmf)) nmf = p
        if (nmf == "") next
    }
    m = byfile[nmf]; split(substr($0, length(nmf) + 3), f, " "); s = f[1]; t = f[2]
    if (t == "U" || t == "w" || t == "v") {
        if (!((m, s) in uses)) { uses[m, s] = 1; nuse[m]++; use[m, nuse[m]] = s }
    } else if (t ~ /^[ABCDGRSTVWiu]$/) {
        if (!((s, m) in defs)) { defs[s, m] = 1; ndef[s]++; def[s, ndef[s]] = m; dtype[s, m] = t }
        if (t ~ /^[BDRT]$/) {
            nstrong[s]++; strong_in[s] = strong_in[s] (nstrong[s] > 1 ? ", " : "") mod[m]; sdef[m, ++nsdef[m]] = s
        }
    }
    next
}
FILENAME == ARGV[3] {                      # objdump -t
    if ($0 ~ /:[ \t]+file format /) { sub(/:[ \t]+file format .*$/, ""); cur = byfile[$0]; next }
    if (cur == "" || $0 !~ /^[0-9a-f]+ /) next
    split($0, od, " "); flags = substr($0, length(od[1]) + 2, 7)
    rest = substr($0, length(od[1]) + 10); ti = index(rest, "\t"); if (ti == 0) next
    sec = substr(rest, 1, ti - 1); nw = split(substr(rest, ti + 1), od, " "); name = od[nw]
    # objects (flag O); thread-local variables show with no type flag (STT_TLS), section symbols with d
    if (substr(flags, 7, 1) != "O" && !(sec ~ /^\.t(data|bss)/ && substr(flags, 6, 2) == "  ")) next
    if (sec ~ /^\.data\.rel\.ro/) next
    if (sec ~ /^\.(data|bss|tdata|tbss|ldata|lbss|sdata|sbss)(\..*)?$/ || sec == "*COM*") {
        ng[cur]++; gname[cur, ng[cur]] = name; gsec[cur, ng[cur]] = sec
    }
    next
}
function strong(v,   k, w) {            # Tarjan: strongly connected components of the uses graph
    idx[v] = ++counter; low[v] = counter; stack[++sp] = v; onstack[v] = 1
    for (k = 1; k <= nadj[v]; k++) {
        w = adj[v, k]
        if (!(w in idx)) { strong(w); if (low[w] < low[v]) low[v] = low[w] }
        else if (onstack[w] && idx[w] < low[v]) low[v] = idx[w]
    }
    if (low[v] == idx[v]) {
        ncomp++
        do { w = stack[sp--]; onstack[w] = 0; comp[w] = ncomp; csize[ncomp]++ } while (w != v)
    }
}
function lv(r) { return r == "" ? "not in a room" : "room " r ", level " level[r] }
END {
    # The arrows: A -> B when A has an undefined symbol that B defines.
    for (a = 1; a <= n; a++)
        for (j = 1; j <= nuse[a]; j++) {
            s = use[a, j]
            for (d = 1; d <= ndef[s]; d++) {
                b = def[s, d]; if (b == a) continue
                if (!((a, b) in via)) { via[a, b] = s; nadj[a]++; adj[a, nadj[a]] = b; arrows++ }
            }
        }
    for (a = 1; a <= n; a++) if (room[a] == "")
        violation("room: " mod[a] " is not in a room (move it into one of core/ shim/ sim/{model,run,oracles," \
                  "engine,mutants,scenarios,explore,real,search,cli}/, or delete the stale object)")
    for (a = 1; a <= n; a++) {
        ra = room[a]; if (ra == "") continue
        for (j = 1; j <= nuse[a]; j++) {
            s = use[a, j]
            for (d = 1; d <= ndef[s]; d++) {
                b = def[s, d]; rb = room[b]
                if (b == a || rb == "" || rb == ra) continue
                if (level[rb] > level[ra])
                    violation("up: " mod[a] " uses " s ", defined in " mod[b] " (room " ra ", level " level[ra] \
                              ", may not use room " rb ", level " level[rb] ")")
                else if (level[rb] == level[ra])
                    violation("up: " mod[a] " uses " s ", defined in " mod[b] " (room " ra ", level " level[ra] \
                              ", may not use room " rb ", level " level[rb] ": rooms of one level are independent)")
            }
        }
    }
    for (v = 1; v <= n; v++) if (!(v in idx)) strong(v)
    for (c = 1; c <= ncomp; c++) {
        if (csize[c] < 2) continue
        ncircles++
        first = 0; members = ""
        for (v = 1; v <= n; v++) if (comp[v] == c) { if (!first) first = v; members = members ", " mod[v] }
        # The shortest circle through the first member (breadth first inside the component).
        split("", seen); split("", parent); qh = 1; qt = 0; queue[++qt] = first; seen[first] = 1; last = 0
        while (qh <= qt && !last) {
            v = queue[qh++]
            for (k = 1; k <= nadj[v]; k++) {
                w = adj[v, k]; if (comp[w] != c) continue
                if (w == first) { last = v; break }
                if (!(w in seen)) { seen[w] = 1; parent[w] = v; queue[++qt] = w }
            }
        }
        path = mod[first]; syms = ""; len = 0
        len = 1; chain[1] = last; while (chain[len] != first) { chain[len + 1] = parent[chain[len]]; len++ }
        for (k = len; k >= 1; k--) {
            v = chain[k]; w = (k > 1 ? chain[k - 1] : first)
            path = path " -> " mod[w]; syms = syms (syms == "" ? "" : ", ") mod[v] " uses " via[v, w]
        }
        line = "circle: " path " (" syms ")"
        if (csize[c] > len) line = line "; " csize[c] " modules are tied in circles: " substr(members, 3)
        violation(line)
    }
    for (a = 1; a <= n; a++) {
        if (mod[a] ~ /^sim\/real\// || room[a] == "shim" || (mod[a] in exempt)) continue
        for (k = 1; k <= ng[a]; k++)
            violation("global: " mod[a] " holds writable data " gname[a, k] " (" gsec[a, k] \
                      (index(gname[a, k], ".") ? ", a static local" : "") \
                      "): only sim/real/, shim/ and the EXCEPTIONS of tools/layout_check.sh may")
    }
    for (a = 1; a <= n; a++) {
        if (room[a] == "cli" || mod[a] == "sim/explore/sim_progress.o") continue
        for (j = 1; j <= nuse[a]; j++) if (use[a, j] in printsym)
            violation("print: " mod[a] " uses " use[a, j] " (only sim/cli/ and sim/explore/sim_progress.o print;" \
                      " format with snprintf and hand the text up)")
    }
    for (a = 1; a <= n; a++) {
        if (room[a] != "scenarios" && room[a] != "mutants") continue
        for (j = 1; j <= nuse[a]; j++) {
            s = use[a, j]; if (!ndef[s] || (s in api)) continue
            ok = 0; where = ""
            for (d = 1; d <= ndef[s]; d++) {
                b = def[s, d]; t = dtype[s, b]; where = where (where == "" ? "" : ", ") mod[b]
                if (room[b] == "mutants" || (room[b] == "core" && s !~ /^lk__/ && t ~ /^[TWi]$/)) ok = 1
            }
            if (!ok)
                violation("api: " mod[a] " uses " s ", defined in " where " (room " room[a] " may use only core" \
                          "'"'"'s public functions, mutants and the functions of sim/sim_scenario.h)")
        }
    }
    if (verbose) {
        print "modules:"
        for (a = 1; a <= n; a++) printf "  %-10s %-14s %s\n", (room[a] == "" ? "-" : room[a]), \
            (room[a] == "" ? "not in a room" : "level " level[room[a]]), mod[a]
        print "arrows between rooms (module arrows):"
        for (a = 1; a <= n; a++) for (k = 1; k <= nadj[a]; k++) {
            b = adj[a, k]; ra = (room[a] == "" ? "-" : room[a]); rb = (room[b] == "" ? "-" : room[b])
            key = ra " -> " rb
            if (!(key in rarrow)) { nra++; rkey[nra] = key; rfrom[nra] = ra; rto[nra] = rb }
            rarrow[key]++
        }
        for (i = 1; i <= nra; i++) order[i] = i
        for (i = 2; i <= nra; i++) for (j = i; j > 1; j--) {   # by source level, then source, then target level
            p = order[j - 1]; q = order[j]
            kp = sprintf("%02d %-10s %02d %s", level[rfrom[p]], rfrom[p], level[rto[p]], rto[p])
            kq = sprintf("%02d %-10s %02d %s", level[rfrom[q]], rfrom[q], level[rto[q]], rto[q])
            if (kq < kp) { order[j - 1] = q; order[j] = p } else break
        }
        for (i = 1; i <= nra; i++) printf "  %-24s %d\n", rkey[order[i]], rarrow[rkey[order[i]]]
    }
    # Not a rule (the linker would refuse it), but it breeds false arrows: most likely a stale object.
    for (a = 1; a <= n; a++) for (j = 1; j <= nsdef[a]; j++) {
        s = sdef[a, j]; if (nstrong[s] < 2 || index(strong_in[s], mod[a] ", ") != 1) continue
        g = strong_in[s]; if (!(g in gcount)) { ngr++; grp[ngr] = g; gfirst[g] = s }; gcount[g]++
    }
    for (i = 1; i <= ngr; i++)
        print "layout: note: " grp[i] " define the same symbols (" gfirst[grp[i]] \
              (gcount[grp[i]] > 1 ? " and " (gcount[grp[i]] - 1) " more" : "") "): a stale object? " \
              "(the Makefile passes the exact set with --objects)" > "/dev/stderr"
    if (nviol) {
        printf "layout: %d violation%s\n", nviol, (nviol == 1 ? "" : "s")
        exit 1
    }
    printf "layout: %d modules in %d rooms, %d arrows between modules, no circles, no violations\n", n, rooms, arrows
    exit 0
}
' "$tmp/modules" "$tmp/nm" "$tmp/objdump"
