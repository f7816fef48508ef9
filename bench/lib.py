#!/usr/bin/python3
"""Helpers of bench/run.sh: turn one measured run into a JSON line, read a
value out of a JSON file, and summarize a results directory.

    lib.py tool  --bench B --role R --raw FILE --time FILE --t0 S --t1 S --rc N [--pair N --slot N KEY=VALUE...]
    lib.py fio   (same options; RAW is fio's --output-format=json output)
    lib.py bg    (same options; RAW is the tool's --report file of a background scan)
    lib.py line KEY=VALUE...      a free-form line (setup facts, references)
    lib.py brief < LINE           one human-readable line for the console
    lib.py get FILE PATH          e.g. get tool.json summary.bytes_read
    lib.py summary RESULTS_DIR    tables on stdout; writes RESULTS_DIR/summary.json

Every JSON line has: bench, role, pair, slot (order inside the pair), rc,
wall (s, date before/after the process), raw (file name under raw/), and
what the kind adds (see README.md, "Raw results").
"""
import json
import os
import statistics
import sys

GIB = 1 << 30
MIB = 1 << 20

# Targets from the brief; summary marks them ok / MISS.
TARGET_SMALL_RATIO = 0.85
TARGET_EXTENTS_RSS_MIB = 64
TARGET_RECORDS_PER_S = 1_000_000
TARGET_PINPOINT_OVERHEAD_PCT = 2.0
TARGET_BG_LOSS_PCT = 10.0


# --- reading raw outputs ------------------------------------------------------

def load_json(path):
    """JSON document in PATH, tolerating text before the first '{' (fio
    sometimes prints notes there); None when missing or unparsable."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    start = text.find("{")
    if start < 0:
        return None
    try:
        return json.loads(text[start:])
    except ValueError:
        return None


def dig(doc, path, default=None):
    for key in path.split("."):
        if isinstance(doc, dict) and key in doc:
            doc = doc[key]
        elif isinstance(doc, list) and key.isdigit() and int(key) < len(doc):
            doc = doc[int(key)]
        else:
            return default
    return doc


def read_time(path):
    """/usr/bin/time -f '%e %U %S %M' output: the last line with 4 fields
    (time prints 'Command exited with non-zero status N' before it)."""
    try:
        with open(path) as f:
            lines = [l.split() for l in f if l.strip()]
    except OSError:
        return {}
    for fields in reversed(lines):
        if len(fields) == 4:
            try:
                e, u, s, m = (float(x) for x in fields)
            except ValueError:
                continue
            return {"elapsed": e, "user": u, "sys": s, "maxrss_kib": int(m)}
    return {}


def parse_extra(items):
    extra = {}
    for item in items:
        key, _, value = item.partition("=")
        for conv in (int, float):
            try:
                value = conv(value)
                break
            except ValueError:
                pass
        extra[key] = value
    return extra


def common(opts):
    t0, t1 = float(opts["t0"]), float(opts["t1"])
    line = {"bench": opts["bench"], "role": opts["role"], "pair": int(opts.get("pair", 0)),
            "slot": int(opts.get("slot", 0)), "rc": int(opts["rc"]), "wall": round(t1 - t0, 4),
            "raw": os.path.basename(opts["raw"])}
    line.update(opts["extra"])
    return line


def tool_line(opts):
    line = common(opts)
    doc = load_json(opts["raw"])
    t = read_time(opts.get("time", ""))
    line.update({k: t[k] for k in ("user", "sys", "maxrss_kib") if k in t})
    if doc is None:
        line["error"] = "no JSON report"
        return line
    s = doc.get("summary", {})
    devs = doc.get("devices", [])
    line.update({
        "engine": doc.get("engine"), "complete": doc.get("complete"), "stop_reason": doc.get("stop_reason"),
        "bytes": s.get("bytes_read", 0), "bytes_verified": s.get("bytes_verified", 0),
        "seconds": s.get("seconds", 0), "bad_sectors": s.get("bad_sectors", 0),
        "bad_ranges": s.get("bad_ranges", 0), "exit_status": s.get("exit_status"),
        "queue_depth": [d.get("queue_depth") for d in devs], "io_size": [d.get("io_size") for d in devs],
        "latency_us": [d.get("latency_us") for d in devs],
    })
    if doc.get("complete") is False:
        line["error"] = f"scan incomplete: {doc.get('stop_reason')}"
    if "space_map" in doc:
        line["space_map_records"] = dig(doc, "space_map.records")
        line["space_map_seconds"] = dig(doc, "space_map.seconds")
        line["records_per_second"] = dig(doc, "space_map.records_per_second")
    if line["seconds"]:
        line["bps"] = line["bytes"] / line["seconds"]
    if line["wall"] > 0 and line["bytes"]:
        line["wall_bps"] = line["bytes"] / line["wall"]
    if "user" in line and line["bytes"]:
        line["cpu_s_per_gib"] = (line["user"] + line["sys"]) / (line["bytes"] / GIB)
    return line


def fio_line(opts):
    line = common(opts)
    doc = load_json(opts["raw"])
    job = dig(doc, "jobs.0") if doc else None
    if not job:
        line["error"] = "no fio JSON"
        return line
    r = job.get("read", {})
    pct = dig(r, "clat_ns.percentile", {}) or {}
    line.update({
        "bytes": r.get("io_bytes", 0), "bps": r.get("bw_bytes", 0), "iops": r.get("iops", 0),
        "seconds": r.get("runtime", 0) / 1000.0, "fio_error": job.get("error", 0),
        "clat_mean_us": dig(r, "clat_ns.mean", 0) / 1000.0,
        "clat_p50_us": pct.get("50.000000", 0) / 1000.0,
        "clat_p99_us": pct.get("99.000000", 0) / 1000.0,
        "clat_p999_us": pct.get("99.900000", 0) / 1000.0,
        "usr_cpu_pct": job.get("usr_cpu"), "sys_cpu_pct": job.get("sys_cpu"),
    })
    return line


def bg_line(opts):
    line = common(opts)
    doc = load_json(opts["raw"])
    if doc is None:
        line["error"] = "no report written"
        line["bytes_verified"] = 0
        return line
    s = doc.get("summary", {})
    line.update({"bytes": s.get("bytes_read", 0), "bytes_verified": s.get("bytes_verified", 0),
                 "seconds": s.get("seconds", 0), "complete": doc.get("complete"),
                 "stop_reason": doc.get("stop_reason"), "exit_status": s.get("exit_status")})
    return line


# --- summary ------------------------------------------------------------------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def mmm(xs, fmt="{:.3f}"):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    return " / ".join(fmt.format(v) for v in (min(xs), statistics.median(xs), max(xs)))


def gibs(bps):
    return "-" if not bps else f"{bps / GIB:.2f}"


def num(v, fmt="{:.3f}"):
    return "-" if v is None else fmt.format(v)


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(headers, widths))]
    out.append("  ".join("-" * w for w in widths))
    for r in rows:
        out.append("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    return "\n".join(out)


def ok(flag):
    return "ok" if flag else "MISS"


def by_pair(lines, role):
    return {l["pair"]: l for l in lines if l["role"] == role and "error" not in l}


def pair_ratios(lines, tool_role="tool", ref_role="fio"):
    tools, refs = by_pair(lines, tool_role), by_pair(lines, ref_role)
    ratio, wall = [], []
    for p in sorted(set(tools) & set(refs)):
        t, r = tools[p], refs[p]
        if r.get("bps") and t.get("bps"):
            ratio.append(t["bps"] / r["bps"])
        if r.get("bps") and t.get("wall_bps"):
            wall.append(t["wall_bps"] / r["bps"])
    return ratio, wall


def throughput_section(name, lines, summary, extra_ref=None):
    tools = [l for l in lines if l["role"] == "tool" and "error" not in l]
    fios = [l for l in lines if l["role"] == "fio" and "error" not in l]
    ratio, wall = pair_ratios(lines)
    s = {"pairs": len(ratio), "tool_bps_median": med(l.get("bps") for l in tools),
         "tool_wall_bps_median": med(l.get("wall_bps") for l in tools),
         "fio_bps_median": med(l.get("bps") for l in fios),
         "ratio": [min(ratio), med(ratio), max(ratio)] if ratio else None,
         "wall_ratio": [min(wall), med(wall), max(wall)] if wall else None,
         "cpu_s_per_gib_median": med(l.get("cpu_s_per_gib") for l in tools),
         "peak_rss_kib": max((l.get("maxrss_kib", 0) for l in tools), default=None),
         "bytes_read": med(l.get("bytes") for l in tools),
         "tool_failures": sum(1 for l in lines if l["role"] == "tool" and (l.get("rc") or "error" in l))}
    rows = [[name, s["pairs"], gibs(s["bytes_read"]), gibs(s["tool_bps_median"]), gibs(s["tool_wall_bps_median"]),
             gibs(s["fio_bps_median"]), mmm(ratio), mmm(wall), num(s["cpu_s_per_gib_median"]),
             num((s["peak_rss_kib"] or 0) / 1024, "{:.1f}")]]
    if extra_ref:
        refs = [l for l in lines if l["role"] == extra_ref and "error" not in l]
        r2, w2 = pair_ratios(lines, ref_role=extra_ref)
        s[extra_ref] = {"bps_median": med(l.get("bps") for l in refs),
                        "ratio": [min(r2), med(r2), max(r2)] if r2 else None,
                        "wall_ratio": [min(w2), med(w2), max(w2)] if w2 else None}
        rows.append([f"  vs {extra_ref}", len(r2), "", "", "", gibs(s[extra_ref]["bps_median"]), mmm(r2), mmm(w2), "", ""])
    tool_lat = [l["latency_us"][0] for l in tools if l.get("latency_us") and l["latency_us"][0]]
    s["tool_p99_us_median"] = med(x.get("p99") for x in tool_lat)
    s["queue_depth"] = tools[-1].get("queue_depth") if tools else None
    s["io_size"] = tools[-1].get("io_size") if tools else None
    summary[name] = s
    return rows


THROUGHPUT_HEADERS = ["benchmark", "pairs", "GiB read", "tool GiB/s", "tool wall GiB/s", "fio GiB/s",
                      "ratio min/med/max", "wall ratio min/med/max", "CPU s/GiB", "RSS MiB"]


def summarize(resdir):
    lines = []
    path = os.path.join(resdir, "runs.jsonl")
    if os.path.exists(path):
        with open(path) as f:
            for l in f:
                l = l.strip()
                if l:
                    try:
                        lines.append(json.loads(l))
                    except ValueError:
                        pass
    benches = {}
    for l in lines:
        benches.setdefault(l["bench"], []).append(l)
    summary, out = {}, []
    meta = load_json(os.path.join(resdir, "meta.json")) or {}
    if meta:
        out.append(f"xfs_verify_media bench, {meta.get('started', '?')}, mode {meta.get('mode', '?')}; "
                   f"{meta.get('tool_version', '?')} ({meta.get('git', '?')}), fio {meta.get('fio', '?')}, "
                   f"kernel {meta.get('kernel', '?')}, {meta.get('cpus', '?')} CPUs")
        out.append("ratio = tool bytes_read/seconds (seconds measured by the tool) / fio read.bw_bytes, same bytes, same run;"
                   " wall ratio uses the tool process's wall time instead.")
        out.append("")

    rows = []
    for name, ref in (("throughput-big", None), ("throughput-small", "fio-randread"), ("extents-1m", None)):
        if name in benches:
            rows += throughput_section(name, benches[name], summary, ref)
    if "engines" in benches:
        eng = benches["engines"]
        for e in sorted({l.get("variant") for l in eng if l["role"] == "tool"}, key=str):
            sub = [l for l in eng if l.get("variant") == e]
            rows += throughput_section(f"engine {e}", sub, summary)
    if rows:
        out.append(table(THROUGHPUT_HEADERS, rows))
        out.append("")
    for l in benches.get("engines", []):
        if l["role"] == "skipped":
            out.append(f"engine {l.get('variant')}: skipped ({l.get('note', '')})")
            summary.setdefault("skipped", []).append(l)
    if "throughput-small" in summary and summary["throughput-small"].get("ratio"):
        r = summary["throughput-small"]["ratio"][1]
        out.append(f"throughput-small: median ratio {r:.3f} (target >= {TARGET_SMALL_RATIO}: {ok(r >= TARGET_SMALL_RATIO)})")
    if "extents-1m" in benches:
        ext = [l for l in benches["extents-1m"] if l["role"] == "tool" and "error" not in l]
        s = summary.get("extents-1m", {})
        s["records"] = med(l.get("space_map_records") for l in ext)
        s["records_per_second"] = [min(l.get("records_per_second") or 0 for l in ext),
                                   med(l.get("records_per_second") for l in ext),
                                   max(l.get("records_per_second") or 0 for l in ext)] if ext else None
        s["space_map_seconds_median"] = med(l.get("space_map_seconds") for l in ext)
        ref = [l for l in benches["extents-1m"] if l["role"] == "fsmap-xfs_io" and l.get("seconds")]
        for cache in ("cold", "warm"):
            s[f"xfs_io_fsmap_records_per_second_{cache}"] = med(l["records"] / l["seconds"] for l in ref
                                                               if l.get("variant") == cache)
        warm = [l for l in benches["extents-1m"] if l["role"] == "tool-warm" and "error" not in l]
        s["records_per_second_warm"] = med(l.get("records_per_second") for l in warm)
        s["space_map_seconds_warm"] = med(l.get("space_map_seconds") for l in warm)
        setup = [l for l in benches["extents-1m"] if l["role"] == "setup"]
        if setup:
            s["holes"] = setup[-1].get("holes")
            s["punch_seconds"] = setup[-1].get("punch_seconds")
        rss = (s.get("peak_rss_kib") or 0) / 1024
        rps = s["records_per_second"][1] if s.get("records_per_second") else 0
        out.append(table(["extents-1m", "value", "target"], [
            ["holes punched", s.get("holes", "-"), ""],
            ["space_map.records (median)", num(s["records"], "{:.0f}"), ""],
            ["space_map.seconds (median)", num(s["space_map_seconds_median"]), ""],
            ["records/s min/med/max", mmm(s["records_per_second"] or [], "{:,.0f}"),
             f">= {TARGET_RECORDS_PER_S:,}: {ok(rps >= TARGET_RECORDS_PER_S)}"],
            ["records/s, tool with warm caches", num(s["records_per_second_warm"], "{:,.0f}"),
             f"space map {num(s['space_map_seconds_warm'])} s"],
            ["xfs_io -c 'fsmap -d' lines/s, cold / warm caches",
             f"{num(s['xfs_io_fsmap_records_per_second_cold'], '{:,.0f}')} / {num(s['xfs_io_fsmap_records_per_second_warm'], '{:,.0f}')}",
             "GETFSMAP reference"],
            ["peak RSS MiB (max)", f"{rss:.1f}", f"<= {TARGET_EXTENTS_RSS_MIB}: {ok(0 < rss <= TARGET_EXTENTS_RSS_MIB)}"],
            ["bytes_verified / bytes_read", f"{gibs(med(l.get('bytes_verified') for l in ext))} / {gibs(s.get('bytes_read'))} GiB", ""],
        ]))
        out.append("")
    if "sweep" in benches:
        out += sweep_section(benches["sweep"], summary)
    if "pinpoint-overhead" in benches:
        out += pinpoint_section(benches["pinpoint-overhead"], summary)
    if "background" in benches:
        out += background_section(benches["background"], summary)
    fails = [l for l in lines if l.get("rc") not in (0, None) and l["role"] not in ("tool-faults", "bg")
             or "error" in l]
    if fails:
        out.append("Runs with a non-zero exit status or no parsable output:")
        for l in fails:
            out.append(f"  {l['bench']} {l['role']} {l.get('variant', '')} pair {l['pair']}: rc {l.get('rc')}"
                       f" {l.get('error', '')} (raw/{l.get('raw')})")
        out.append("")
    text = "\n".join(out)
    with open(os.path.join(resdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1, sort_keys=True)
    with open(os.path.join(resdir, "summary.txt"), "w") as f:
        f.write(text + "\n")
    print(text)


def sweep_section(lines, summary):
    tools = [l for l in lines if l["role"] == "tool" and "error" not in l and "qd" in l]
    fio = med(l.get("bps") for l in lines if l["role"] == "fio" and "error" not in l)
    qds = sorted({l["qd"] for l in tools})
    ios = sorted({l["io"] for l in tools})
    cell = {(l["qd"], l["io"]): l for l in tools}

    def label(io):
        return f"{io // MIB}M" if io >= MIB else f"{io // 1024}K"

    out = [f"sweep: tool GiB/s (ratio vs fio median {gibs(fio)} GiB/s) | CPU s/GiB | p99 read latency ms"]
    rows = []
    for qd in qds:
        row = [qd]
        for io in ios:
            l = cell.get((qd, io))
            if not l:
                row.append("-")
                continue
            lat = l["latency_us"][0] if l.get("latency_us") and l["latency_us"][0] else {}
            r = l["bps"] / fio if fio and l.get("bps") else None
            row.append(f"{gibs(l.get('bps'))} ({num(r, '{:.2f}')}) | {num(l.get('cpu_s_per_gib'))} | "
                       f"{num((lat.get('p99') or 0) / 1000, '{:.1f}')}")
        rows.append(row)
    out.append(table(["QD \\ io size"] + [label(i) for i in ios], rows))
    best = max(tools, key=lambda l: l.get("bps") or 0, default=None)
    if best:
        out.append(f"fastest: QD {best['qd']}, {label(best['io'])}: {gibs(best['bps'])} GiB/s")
    out.append("")
    summary["sweep"] = {"fio_bps_median": fio, "cells": [
        {k: l.get(k) for k in ("qd", "io", "bps", "wall_bps", "cpu_s_per_gib", "maxrss_kib", "latency_us")} for l in tools]}
    return out


def pinpoint_section(lines, summary):
    clean, faults = by_pair(lines, "tool-clean"), by_pair(lines, "tool-faults")
    over, over_wall, found = [], [], []
    for p in sorted(set(clean) & set(faults)):
        c, f = clean[p], faults[p]
        if c.get("seconds") and f.get("seconds"):
            over.append((f["seconds"] - c["seconds"]) / c["seconds"] * 100)
        if c.get("wall") and f.get("wall"):
            over_wall.append((f["wall"] - c["wall"]) / c["wall"] * 100)
    expected = next((l.get("faults") for l in lines if l.get("faults")), None)
    found = [l.get("bad_sectors") for l in faults.values()]
    clean_bad = [l.get("bad_sectors") for l in clean.values()]
    exact = bool(found) and all(x == expected for x in found) and all(x == 0 for x in clean_bad)
    m = med(over)
    summary["pinpoint-overhead"] = {"pairs": len(over), "overhead_pct": [min(over), m, max(over)] if over else None,
                                    "overhead_wall_pct": [min(over_wall), med(over_wall), max(over_wall)] if over_wall else None,
                                    "faults": expected, "bad_sectors_found": found, "exact": exact,
                                    "clean_seconds_median": med(l.get("seconds") for l in clean.values()),
                                    "faults_seconds_median": med(l.get("seconds") for l in faults.values())}
    s = summary["pinpoint-overhead"]
    cm, fm = s["clean_seconds_median"], s["faults_seconds_median"]
    io = {v: [l for l in lines if l["role"] == "disk-io" and l.get("variant") == v] for v in ("clean", "faults")}
    for v in io:
        s[f"disk_reads_{v}_median"] = med(l.get("reads") for l in io[v])
        s[f"disk_bytes_{v}_median"] = med(l.get("bytes") for l in io[v])
    rc, rf = s["disk_reads_clean_median"], s["disk_reads_faults_median"]
    bc, bf = s["disk_bytes_clean_median"], s["disk_bytes_faults_median"]
    s["overhead_of_medians_pct"] = (fm - cm) / cm * 100 if cm and fm else None
    return [table(["pinpoint-overhead", "value", "target"], [
        ["pairs", len(over), ""],
        ["scan s, no faults / faults (median)", f"{num(s['clean_seconds_median'])} / {num(s['faults_seconds_median'])}", ""],
        ["overhead % min/med/max (tool seconds)", mmm(over, "{:+.2f}"),
         f"<= {TARGET_PINPOINT_OVERHEAD_PCT}: {ok(m is not None and m <= TARGET_PINPOINT_OVERHEAD_PCT)}"],
        ["overhead % min/med/max (wall)", mmm(over_wall, "{:+.2f}"), ""],
        ["overhead % of the medians (tool seconds)", num(s["overhead_of_medians_pct"], "{:+.2f}"), ""],
        ["fault disk reads, no faults / faults (median)", f"{num(rc, '{:.0f}')} / {num(rf, '{:.0f}')}",
         f"{num((rf - rc) / rc * 100 if rc and rf else None, '{:+.2f}')} %"],
        ["fault disk MiB, no faults / faults (median)", f"{num((bc or 0) / MIB, '{:.1f}')} / {num((bf or 0) / MIB, '{:.1f}')}",
         f"{num((bf - bc) / bc * 100 if bc and bf else None, '{:+.3f}')} %"],
        ["bad sectors found per faulty run", ",".join(str(x) for x in found), f"== {expected}: {ok(exact)}"],
    ]), ""]


def background_section(lines, summary):
    out, rows, s_all = [], [], {}
    for variant in sorted({l.get("variant") for l in lines if l["role"].startswith("fg")}, key=str):
        sub = [l for l in lines if l.get("variant") == variant]
        alone, withbg = by_pair(sub, "fg-alone"), by_pair(sub, "fg-with-bg")
        bgs = by_pair(sub, "bg")
        loss, p99up = [], []
        for p in sorted(set(alone) & set(withbg)):
            a, w = alone[p], withbg[p]
            if a.get("bps"):
                loss.append((a["bps"] - w.get("bps", 0)) / a["bps"] * 100)
            if a.get("clat_p99_us"):
                p99up.append((w.get("clat_p99_us", 0) - a["clat_p99_us"]) / a["clat_p99_us"] * 100)
        verified = [l.get("bytes_verified", 0) for l in bgs.values()]
        bg_secs = [l.get("seconds") for l in bgs.values()]
        s = {"pairs": len(loss), "alone_bps_median": med(l.get("bps") for l in alone.values()),
             "with_bg_bps_median": med(l.get("bps") for l in withbg.values()),
             "alone_p99_us_median": med(l.get("clat_p99_us") for l in alone.values()),
             "with_bg_p99_us_median": med(l.get("clat_p99_us") for l in withbg.values()),
             "loss_pct": [min(loss), med(loss), max(loss)] if loss else None,
             "p99_increase_pct": [min(p99up), med(p99up), max(p99up)] if p99up else None,
             "bg_bytes_verified": verified, "bg_exit": [l.get("rc") for l in bgs.values()],
             "bg_progressed": bool(verified) and all(v > 0 for v in verified)}
        s_all[variant] = s
        m = s["loss_pct"][1] if s["loss_pct"] else None
        rate = med([v / t for v, t in zip(verified, bg_secs) if t]) if verified else None
        rows.append([variant, s["pairs"], f"{(s['alone_bps_median'] or 0) / MIB:.1f}", f"{(s['with_bg_bps_median'] or 0) / MIB:.1f}",
                     mmm(loss, "{:+.1f}"), f"{ok(m is not None and m <= TARGET_BG_LOSS_PCT)}",
                     f"{num(s['alone_p99_us_median'], '{:.0f}')} -> {num(s['with_bg_p99_us_median'], '{:.0f}')}",
                     mmm(p99up, "{:+.1f}"),
                     ",".join(f"{v / MIB:.0f}" for v in verified) + (f" ({rate / MIB:.0f} MiB/s)" if rate else ""),
                     ",".join(str(l.get("rc")) for l in bgs.values())])
    summary["background"] = s_all
    out.append(table(["background fg job", "pairs", "fg MiB/s alone", "with bg", "loss % min/med/max",
                      f"<= {TARGET_BG_LOSS_PCT}%", "p99 us alone -> with bg", "p99 +% min/med/max",
                      "bg MiB verified per run", "bg exit"], rows))
    out.append("")
    return out


def brief(l):
    """One human line for the console log."""
    who = f"{l['role']}{' ' + str(l['variant']) if l.get('variant') else ''}"
    if "error" in l:
        return f"{who}: rc {l.get('rc')}, {l['error']} (raw/{l.get('raw')})"
    if l["role"].startswith("fg"):
        return (f"{who}: {l.get('bps', 0) / MIB:.1f} MiB/s, {l.get('iops', 0):.0f} IOPS, "
                f"clat p99 {l.get('clat_p99_us', 0):.0f} us, rc {l['rc']}")
    if l["role"] == "bg":
        return (f"{who}: verified {l.get('bytes_verified', 0) / MIB:.0f} MiB (read {l.get('bytes', 0) / MIB:.0f} MiB) "
                f"in {l.get('seconds', 0):.1f} s, {l.get('stop_reason') or 'complete'}, rc {l['rc']}")
    text = (f"{who}: {l.get('bytes', 0) / GIB:.2f} GiB in {l.get('seconds', 0):.2f} s = "
            f"{(l.get('bps') or 0) / GIB:.2f} GiB/s")
    if "user" in l:
        text += (f" (wall {l['wall']:.2f} s), CPU {l['user'] + l['sys']:.2f} s = {l.get('cpu_s_per_gib', 0):.3f} s/GiB, "
                 f"RSS {l.get('maxrss_kib', 0) / 1024:.0f} MiB")
    if l.get("space_map_records"):
        text += f", {l['space_map_records']} records at {l.get('records_per_second', 0):,.0f}/s"
    if l.get("bad_sectors"):
        text += f", {l['bad_sectors']} bad sectors"
    return text + f", rc {l['rc']}"


# --- main -----------------------------------------------------------------------

def parse_opts(argv):
    opts, extra, i = {}, [], 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            opts[a[2:]] = argv[i + 1]
            i += 2
        else:
            extra.append(a)
            i += 1
    opts["extra"] = parse_extra(extra)
    return opts


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd in ("tool", "fio", "bg"):
        opts = parse_opts(args)
        line = {"tool": tool_line, "fio": fio_line, "bg": bg_line}[cmd](opts)
        print(json.dumps(line, sort_keys=True))
    elif cmd == "line":
        # A free-form line: lib.py line bench=B role=R key=value...
        print(json.dumps({"pair": 0, "slot": 0, **parse_extra(args)}, sort_keys=True))
    elif cmd == "brief":
        print(brief(json.loads(sys.stdin.read())))
    elif cmd == "get":
        v = dig(load_json(args[0]), args[1])
        if v is None:
            sys.exit(1)
        print(v)
    elif cmd == "summary":
        summarize(args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
