#!/usr/bin/python3
"""Helpers of bench/run.sh: turn one measured run into a JSON line, read a
value out of a JSON file, and summarize a results directory.

    lib.py tool  --bench B --role R --raw FILE --time FILE --t0 S --t1 S --rc N [--pair N --slot N KEY=VALUE...]
    lib.py toolset (same options; RAW and TIME comma-separated: tools run at once, added up)
    lib.py fio   (same options; RAW is fio's --output-format=json output; jobs added up)
    lib.py bg    (same options; RAW is the tool's --report file of a background scan)
    lib.py line KEY=VALUE...      a free-form line (setup facts, references)
    lib.py brief < LINE           one human-readable line for the console
    lib.py get FILE PATH          e.g. get tool.json summary.bytes_read
    lib.py summary RESULTS_DIR    tables on stdout; writes RESULTS_DIR/summary.json
    lib.py targets [--from DIR] RESULTS_DIR...
                                  issue 13's targets, one column per run, as a
                                  Markdown table whose figures link to the
                                  runs' summary.txt (paths relative to DIR)

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

# Targets of issue 13; summary marks them ok / MISS.
TARGET_SMALL_RATIO = 0.95
TARGET_EXTENTS_1M_RATIO = 0.95
TARGET_EXTENTS_4M_RATIO = 0.90
TARGET_EXTENTS_RSS_MIB = 64
TARGET_CPU_S_PER_GIB = 0.05
TARGET_RECORDS_PER_S = 1_000_000
TARGET_PINPOINT_OVERHEAD_PCT = 2.0
TARGET_PINPOINT_BYTES_PCT = 5.0
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
        line["space_map_cpu_seconds"] = dig(doc, "space_map.cpu_seconds")
    plans = doc.get("plan") or []
    if plans:
        line["plan_order"] = [p.get("order") for p in plans]
        line["plan_peak_bytes"] = max(p.get("peak_bytes", 0) for p in plans)
        line["reader_wait_seconds"] = sum(p.get("reader_wait_seconds", 0) for p in plans)
        line["planner_wait_seconds"] = sum(p.get("planner_wait_seconds", 0) for p in plans)
    line["device_bytes"] = [d.get("bytes_read") for d in devs]
    return finish_tool_line(line)


def finish_tool_line(line):
    if line.get("seconds"):
        line["bps"] = line["bytes"] / line["seconds"]
    if line["wall"] > 0 and line.get("bytes"):
        line["wall_bps"] = line["bytes"] / line["wall"]
    if "user" in line and line.get("bytes"):
        line["cpu_s_per_gib"] = (line["user"] + line["sys"]) / (line["bytes"] / GIB)
    if "user" in line and line.get("bytes_verified"):
        line["cpu_s_per_gib_verified"] = (line["user"] + line["sys"]) / (line["bytes_verified"] / GIB)
    return line


def toolset_line(opts):
    """Tools run at the same time: bytes added up, the slowest one's seconds."""
    raws, times = opts["raw"].split(","), opts.get("time", "").split(",")
    parts = [tool_line(dict(opts, raw=r, time=t)) for r, t in zip(raws, times)]
    line = common(dict(opts, raw=raws[0]))
    line["raw"] = ",".join(os.path.basename(r) for r in raws)
    line["parts"] = len(parts)
    errors = [p["error"] for p in parts if "error" in p]
    if errors:
        line["error"] = "; ".join(errors)
    for key in ("bytes", "bytes_verified", "bad_sectors", "space_map_records"):
        line[key] = sum(p.get(key) or 0 for p in parts)
    line["seconds"] = max((p.get("seconds") or 0 for p in parts), default=0)
    line["part_seconds"] = [p.get("seconds") for p in parts]
    line["device_bytes"] = [p.get("bytes") for p in parts]
    line["reader_wait_seconds"] = sum(p.get("reader_wait_seconds") or 0 for p in parts)
    if all("user" in p for p in parts):
        line["user"] = sum(p["user"] for p in parts)
        line["sys"] = sum(p["sys"] for p in parts)
        line["maxrss_kib"] = max(p.get("maxrss_kib", 0) for p in parts)
    line["engine"] = parts[0].get("engine") if parts else None
    return finish_tool_line(line)


def fio_line(opts):
    line = common(opts)
    doc = load_json(opts["raw"])
    jobs = (doc or {}).get("jobs") or []
    if not jobs:
        line["error"] = "no fio JSON"
        return line
    job = jobs[0]
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
    if len(jobs) > 1:
        # One job per device, side by side: all their bytes over the slowest one's time.
        reads = [j.get("read", {}) for j in jobs]
        line["jobs"] = len(jobs)
        line["device_bytes"] = [r.get("io_bytes", 0) for r in reads]
        line["bytes"] = sum(line["device_bytes"])
        line["seconds"] = max(r.get("runtime", 0) for r in reads) / 1000.0
        line["bps"] = line["bytes"] / line["seconds"] if line["seconds"] else 0
        line["fio_error"] = max(j.get("error", 0) for j in jobs)
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


def throughput_section(name, lines, summary, extra_ref=None, tool_role="tool"):
    tools = [l for l in lines if l["role"] == tool_role and "error" not in l]
    fios = [l for l in lines if l["role"] == "fio" and "error" not in l]
    ratio, wall = pair_ratios(lines, tool_role)
    s = {"pairs": len(ratio), "tool_bps_median": med(l.get("bps") for l in tools),
         "tool_wall_bps_median": med(l.get("wall_bps") for l in tools),
         "fio_bps_median": med(l.get("bps") for l in fios),
         "ratio": [min(ratio), med(ratio), max(ratio)] if ratio else None,
         "wall_ratio": [min(wall), med(wall), max(wall)] if wall else None,
         "cpu_s_per_gib_median": med(l.get("cpu_s_per_gib") for l in tools),
         "cpu_s_per_gib_verified_median": med(l.get("cpu_s_per_gib_verified") for l in tools),
         "reader_wait_seconds_median": med(l.get("reader_wait_seconds") for l in tools),
         "space_map_cpu_seconds_median": med(l.get("space_map_cpu_seconds") for l in tools),
         "peak_rss_kib": max((l.get("maxrss_kib", 0) for l in tools), default=None),
         "bytes_read": med(l.get("bytes") for l in tools),
         "bytes_verified": med(l.get("bytes_verified") for l in tools),
         "tool_failures": sum(1 for l in lines if l["role"] == tool_role and (l.get("rc") or "error" in l))}
    rows = [[name, s["pairs"], gibs(s["bytes_read"]), gibs(s["tool_bps_median"]), gibs(s["tool_wall_bps_median"]),
             gibs(s["fio_bps_median"]), mmm(ratio), mmm(wall), num(s["cpu_s_per_gib_median"]),
             num(s["cpu_s_per_gib_verified_median"]), num(s["reader_wait_seconds_median"], "{:.2f}"),
             num((s["peak_rss_kib"] or 0) / 1024, "{:.1f}")]]
    if extra_ref:
        refs = [l for l in lines if l["role"] == extra_ref and "error" not in l]
        r2, w2 = pair_ratios(lines, tool_role, ref_role=extra_ref)
        s[extra_ref] = {"bps_median": med(l.get("bps") for l in refs),
                        "ratio": [min(r2), med(r2), max(r2)] if r2 else None,
                        "wall_ratio": [min(w2), med(w2), max(w2)] if w2 else None}
        rows.append([f"  vs {extra_ref}", len(r2), "", "", "", gibs(s[extra_ref]["bps_median"]), mmm(r2), mmm(w2),
                     "", "", "", ""])
    tool_lat = [l["latency_us"][0] for l in tools if l.get("latency_us") and l["latency_us"][0]]
    s["tool_p99_us_median"] = med(x.get("p99") for x in tool_lat)
    s["queue_depth"] = tools[-1].get("queue_depth") if tools else None
    s["io_size"] = tools[-1].get("io_size") if tools else None
    summary[name] = s
    return rows


THROUGHPUT_HEADERS = ["benchmark", "pairs", "GiB read", "tool GiB/s", "tool wall GiB/s", "fio GiB/s",
                      "ratio min/med/max", "wall ratio min/med/max", "CPU s/GiB read", "CPU s/GiB verified",
                      "reader wait s", "RSS MiB"]


def load_lines(lines):
    return [l for l in lines if l.get("role") == "load"]


def extents_section(name, lines, summary):
    ext = [l for l in lines if l["role"] == "tool" and "error" not in l]
    s = summary.get(name, {})
    s["records"] = med(l.get("space_map_records") for l in ext)
    rps = [l.get("records_per_second") or 0 for l in ext]
    s["records_per_second"] = [min(rps), med(rps), max(rps)] if ext else None
    s["space_map_seconds_median"] = med(l.get("space_map_seconds") for l in ext)
    s["space_map_cpu_seconds_median"] = med(l.get("space_map_cpu_seconds") for l in ext)
    s["plan_peak_bytes_max"] = max((l.get("plan_peak_bytes") or 0 for l in ext), default=None)
    ref = [l for l in lines if l["role"] == "fsmap-xfs_io" and l.get("seconds")]
    for cache in ("cold", "warm", "cold-under-fio"):
        s[f"xfs_io_fsmap_records_per_second_{cache}"] = med(l["records"] / l["seconds"] for l in ref
                                                           if l.get("variant") == cache)
        s[f"xfs_io_fsmap_sys_seconds_{cache}"] = med(l.get("sys") for l in ref if l.get("variant") == cache)
    warm = [l for l in lines if l["role"] == "tool-warm" and "error" not in l]
    s["records_per_second_warm"] = med(l.get("records_per_second") for l in warm)
    s["space_map_seconds_warm"] = med(l.get("space_map_seconds") for l in warm)
    setup = [l for l in lines if l["role"] == "setup"]
    if setup:
        s["holes"] = sum(l.get("holes") or 0 for l in setup)
        s["punch_seconds"] = setup[-1].get("punch_seconds")
    rss = (s.get("peak_rss_kib") or 0) / 1024
    median_rps = s["records_per_second"][1] if s.get("records_per_second") else 0
    wait = s.get("reader_wait_seconds_median")
    gib_read = (s.get("bytes_read") or 0) / GIB
    rows = [
        ["holes punched (this bench's files)", s.get("holes", "-"), ""],
        ["space_map.records (median)", num(s["records"], "{:.0f}"), ""],
        ["space_map.seconds (median)", num(s["space_map_seconds_median"]), ""],
        ["records/s during the scan min/med/max", mmm(s["records_per_second"] or [], "{:,.0f}"),
         f">= {TARGET_RECORDS_PER_S:,}: {ok(median_rps >= TARGET_RECORDS_PER_S)}"],
        ["readers waiting for the plan, s (median)", num(wait, "{:.2f}"), "0: the space map is not the limit"],
        ["GETFSMAP CPU s (median), per GiB read", f"{num(s['space_map_cpu_seconds_median'])}, "
         f"{num((s['space_map_cpu_seconds_median'] or 0) / gib_read if gib_read else None)}", "kernel time, inside the CPU figure"],
        ["xfs_io -c 'fsmap -d' lines/s, cold / warm caches",
         f"{num(s['xfs_io_fsmap_records_per_second_cold'], '{:,.0f}')} / {num(s['xfs_io_fsmap_records_per_second_warm'], '{:,.0f}')}",
         f"its sys s, cold: {num(s['xfs_io_fsmap_sys_seconds_cold'], '{:.2f}')}"],
        ["xfs_io -c 'fsmap -d' lines/s, cold, fio reading the device",
         num(s["xfs_io_fsmap_records_per_second_cold-under-fio"], "{:,.0f}"), "QD 32 x 1 MiB reads queued ahead"],
        ["plan peak MiB (max)", num((s["plan_peak_bytes_max"] or 0) / MIB, "{:.1f}"), "budget 8 MiB"],
        ["peak RSS MiB (max)", f"{rss:.1f}", f"<= {TARGET_EXTENTS_RSS_MIB}: {ok(0 < rss <= TARGET_EXTENTS_RSS_MIB)}"],
        ["bytes_verified / bytes_read", f"{gibs(med(l.get('bytes_verified') for l in ext))} / {gibs(s.get('bytes_read'))} GiB", ""],
    ]
    if s.get("records_per_second_warm"):
        rows.insert(4, ["records/s, tool with warm caches", num(s["records_per_second_warm"], "{:,.0f}"),
                        f"space map {num(s['space_map_seconds_warm'])} s"])
    return [table([name, "value", "target"], rows), ""]


def rotational_section(lines, summary):
    io = [l for l in lines if l["role"] == "disk-io" and l.get("pair")]
    tools, nearest = by_pair(lines, "tool"), by_pair(lines, "tool-nearest")
    speedup = [nearest[p]["seconds"] / tools[p]["seconds"] for p in sorted(set(tools) & set(nearest))
               if tools[p].get("seconds") and nearest[p].get("seconds")]
    s = summary.setdefault("rotational", {})
    s["nearest_over_sweep_seconds"] = [min(speedup), med(speedup), max(speedup)] if speedup else None
    rows = []
    for variant in ("sweep", "nearest", "fio"):
        sub = [l for l in io if l.get("variant") == variant]
        s[f"seeks_{variant}_median"] = med(l.get("seeks") for l in sub)
        s[f"seek_seconds_{variant}_median"] = med((l.get("seek_us") or 0) / 1e6 for l in sub)
        rows.append([variant, num(s[f"seeks_{variant}_median"], "{:.0f}"), num(s[f"seek_seconds_{variant}_median"], "{:.2f}")])
    out = [table(["rotational: order", "seeks (median)", "seconds waited for seeks (median)"], rows)]
    out.append(f"rotational: flash order / sweep, scan seconds per pair min/med/max: {mmm(speedup, '{:.2f}')}")
    out.append("")
    return out


def targets_section(summary):
    """The issue's targets, each ok / MISS, from the figures above."""
    rows = []

    def ratio(name):
        r = (summary.get(name) or {}).get("ratio")
        return r[1] if r else None

    for name, target in (("throughput-small", TARGET_SMALL_RATIO), ("extents-1m", TARGET_EXTENTS_1M_RATIO),
                         ("extents-4m", TARGET_EXTENTS_4M_RATIO)):
        r = ratio(name)
        if r is not None:
            rows.append([f"{name} ratio (median)", f"{r:.3f}", f">= {target}: {ok(r >= target)}"])
    e4 = summary.get("extents-4m") or {}
    if e4.get("peak_rss_kib"):
        rss = e4["peak_rss_kib"] / 1024
        rows.append(["extents-4m peak RSS MiB", f"{rss:.1f}", f"<= {TARGET_EXTENTS_RSS_MIB}: {ok(rss <= TARGET_EXTENTS_RSS_MIB)}"])
    for name in ("throughput-big", "throughput-small", "extents-1m", "extents-4m", "many-disks", "many-devices"):
        s = summary.get(name) or {}
        for key, label in (("cpu_s_per_gib_median", "read"), ("cpu_s_per_gib_verified_median", "verified")):
            if s.get(key) is not None:
                rows.append([f"{name} CPU s per GiB {label}", f"{s[key]:.3f}",
                             f"<= {TARGET_CPU_S_PER_GIB}: {ok(s[key] <= TARGET_CPU_S_PER_GIB)}"])
    for name in ("extents-1m", "extents-4m"):
        s = summary.get(name) or {}
        if s.get("records_per_second"):
            rps, wait = s["records_per_second"][1], s.get("reader_wait_seconds_median")
            rows.append([f"{name} records/s during the scan (median)", f"{rps:,.0f}",
                         f">= {TARGET_RECORDS_PER_S:,}: {ok(rps >= TARGET_RECORDS_PER_S)}"
                         f"; readers waited {num(wait, '{:.2f}')} s for the plan"])
    for io, s in sorted((summary.get("pinpoint-overhead") or {}).items()):
        if not isinstance(s, dict) or "disk_bytes_overhead_pct" not in s:
            continue
        b, t = s.get("disk_bytes_overhead_pct"), (s.get("overhead_pct") or [None, None])[1]
        rows.append([f"pinpoint ({io}) extra bytes %", num(b, "{:+.2f}"),
                     f"<= {TARGET_PINPOINT_BYTES_PCT}: {ok(b is not None and b <= TARGET_PINPOINT_BYTES_PCT)}"])
        rows.append([f"pinpoint ({io}) extra time % (median of pairs)", num(t, "{:+.2f}"),
                     f"<= {TARGET_PINPOINT_OVERHEAD_PCT}: {ok(t is not None and t <= TARGET_PINPOINT_OVERHEAD_PCT)}"])
    return [table(["target", "value", "verdict"], rows), ""] if rows else []


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
        out.append(f"load average (1/5/15 min) before: {' '.join(meta.get('load_before') or ['?'])}; "
                   f"after: {' '.join(meta.get('load_after') or ['?'])}; {meta.get('seconds', '?')} s in all")
        out.append("")

    rows = []
    for name, ref in (("throughput-big", None), ("throughput-small", "fio-randread"), ("extents-1m", None),
                      ("extents-4m", None), ("many-disks", None), ("many-devices", None)):
        if name in benches:
            rows += throughput_section(name, benches[name], summary, ref)
    if "rotational" in benches:
        rows += throughput_section("rotational sweep", benches["rotational"], summary)
        rows += throughput_section("rotational nearest", benches["rotational"], summary, tool_role="tool-nearest")
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
    for name in ("extents-1m", "extents-4m"):
        if name in benches:
            out += extents_section(name, benches[name], summary)
    if "rotational" in benches:
        out += rotational_section(benches["rotational"], summary)
    if "sweep" in benches:
        out += sweep_section(benches["sweep"], summary)
    if "pinpoint-overhead" in benches:
        out += pinpoint_section(benches["pinpoint-overhead"], summary)
    if "background" in benches:
        out += background_section(benches["background"], summary)
    out += targets_section(summary)
    loads = load_lines(lines)
    if loads:
        summary["load"] = [{k: l.get(k) for k in ("bench", "when", "load1", "load5", "load15")} for l in loads]
        out.append("load averages (1/5/15 min) before and after each benchmark:")
        for l in loads:
            out.append(f"  {l['bench']:<18} {l.get('when', ''):<6} {l.get('load1')} {l.get('load5')} {l.get('load15')}")
        out.append("")
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
    out, per_io = [], {}
    for io in sorted({str(l.get("io", "default")) for l in lines}, key=lambda v: (v != "default", v)):
        sub = [l for l in lines if str(l.get("io", "default")) == io]
        out += pinpoint_one(io, sub, per_io)
    summary["pinpoint-overhead"] = per_io
    return out


def pinpoint_one(io, lines, per_io):
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
    s = per_io[io] = {"pairs": len(over), "overhead_pct": [min(over), m, max(over)] if over else None,
                      "overhead_wall_pct": [min(over_wall), med(over_wall), max(over_wall)] if over_wall else None,
                      "faults": expected, "bad_sectors_found": found, "exact": exact,
                      "clean_seconds_median": med(l.get("seconds") for l in clean.values()),
                      "faults_seconds_median": med(l.get("seconds") for l in faults.values())}
    cm, fm = s["clean_seconds_median"], s["faults_seconds_median"]
    disk = {v: [l for l in lines if l["role"] == "disk-io" and l.get("variant") == v] for v in ("clean", "faults")}
    for v in disk:
        s[f"disk_reads_{v}_median"] = med(l.get("reads") for l in disk[v])
        s[f"disk_bytes_{v}_median"] = med(l.get("bytes") for l in disk[v])
    rc, rf = s["disk_reads_clean_median"], s["disk_reads_faults_median"]
    bc, bf = s["disk_bytes_clean_median"], s["disk_bytes_faults_median"]
    s["overhead_of_medians_pct"] = (fm - cm) / cm * 100 if cm and fm else None
    s["disk_bytes_overhead_pct"] = (bf - bc) / bc * 100 if bc and bf else None
    # The least pinpointing can read: every failed read once more, less its bad sector.
    io_sizes = [l.get("io_size") for l in faults.values() if l.get("io_size")]
    io_size = io_sizes[0][0] if io_sizes and io_sizes[0] else None
    s["io_size"] = io_size
    s["floor_bytes_pct"] = (expected * (io_size - 512)) / bc * 100 if expected and io_size and bc else None
    b = s["disk_bytes_overhead_pct"]
    return [table([f"pinpoint-overhead, I/O size {io}", "value", "target"], [
        ["pairs", len(over), ""],
        ["scan s, no faults / faults (median)", f"{num(s['clean_seconds_median'])} / {num(s['faults_seconds_median'])}", ""],
        ["overhead % min/med/max (tool seconds)", mmm(over, "{:+.2f}"),
         f"<= {TARGET_PINPOINT_OVERHEAD_PCT}: {ok(m is not None and m <= TARGET_PINPOINT_OVERHEAD_PCT)}"],
        ["overhead % min/med/max (wall)", mmm(over_wall, "{:+.2f}"), ""],
        ["overhead % of the medians (tool seconds)", num(s["overhead_of_medians_pct"], "{:+.2f}"), ""],
        ["fault disk reads, no faults / faults (median)", f"{num(rc, '{:.0f}')} / {num(rf, '{:.0f}')}",
         f"{num((rf - rc) / rc * 100 if rc and rf else None, '{:+.2f}')} %"],
        ["fault disk MiB, no faults / faults (median)", f"{num((bc or 0) / MIB, '{:.1f}')} / {num((bf or 0) / MIB, '{:.1f}')}",
         f"{num(b, '{:+.2f}')} % (<= {TARGET_PINPOINT_BYTES_PCT}: {ok(b is not None and b <= TARGET_PINPOINT_BYTES_PCT)})"],
        ["each failure found by a read of the I/O size, read once more", f"{num(s['floor_bytes_pct'], '{:+.2f}')} %",
         f"{expected} faults x {num((io_size or 0) / MIB, '{:.2f}')} MiB reads"],
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


# --- the targets of several runs, for the READMEs -------------------------------

def target_rows(summary):
    """(case, target, figure, met) of one run's summary.json; met is None
    where the case has no target of its own (a reference figure)."""
    rows = []

    def ratio(name, target):
        r = (summary.get(name) or {}).get("ratio")
        if r:
            n = summary[name].get("pairs")
            rows.append((f"{name}: ratio to fio, median of {n} pairs (min-max)", f">= {target}",
                         f"{r[1]:.2f} ({r[0]:.2f}-{r[2]:.2f})", r[1] >= target))

    ratio("throughput-small", TARGET_SMALL_RATIO)
    rand = ((summary.get("throughput-small") or {}).get("fio-randread") or {}).get("ratio")
    if rand:
        rows.append(("throughput-small: ratio to fio reading the same bytes at random (median)", "reference",
                     f"{rand[1]:.2f} ({rand[0]:.2f}-{rand[2]:.2f})", None))
    big = (summary.get("throughput-big") or {}).get("ratio")
    if big:
        rows.append(("throughput-big: ratio to fio (median)", "reference", f"{big[1]:.2f} ({big[0]:.2f}-{big[2]:.2f})",
                     None))
    ratio("extents-1m", TARGET_EXTENTS_1M_RATIO)
    ratio("extents-4m", TARGET_EXTENTS_4M_RATIO)
    rss = (summary.get("extents-4m") or {}).get("peak_rss_kib")
    if rss:
        rows.append(("extents-4m: peak RSS MiB", f"<= {TARGET_EXTENTS_RSS_MIB}", f"{rss / 1024:.1f}",
                     rss / 1024 <= TARGET_EXTENTS_RSS_MIB))
    for name in ("throughput-big", "throughput-small", "extents-1m", "extents-4m", "rotational sweep",
                 "many-disks", "many-devices"):
        s = summary.get(name) or {}
        v = s.get("cpu_s_per_gib_verified_median")
        if v is not None:
            rows.append((f"{name}: CPU s per GiB verified (median)", f"<= {TARGET_CPU_S_PER_GIB}", f"{v:.3f}",
                         v <= TARGET_CPU_S_PER_GIB))
            fsmap_cpu, verified = s.get("space_map_cpu_seconds_median"), s.get("bytes_verified")
            if fsmap_cpu and verified and fsmap_cpu / (verified / GIB) >= 0.005:
                rows.append((f"{name}: of which GETFSMAP in the kernel, s per GiB verified", "reference",
                             f"{fsmap_cpu / (verified / GIB):.3f}", None))
    for name in ("extents-1m", "extents-4m"):
        s = summary.get(name) or {}
        if s.get("records_per_second"):
            rps = s["records_per_second"][1]
            rows.append((f"{name}: GETFSMAP records/s during the scan (median)", f">= {TARGET_RECORDS_PER_S:,}",
                         f"{rps:,.0f}", rps >= TARGET_RECORDS_PER_S))
            cold = s.get("xfs_io_fsmap_records_per_second_cold")
            if cold:
                rows.append((f"{name}: xfs_io -c 'fsmap -d' alone, cold caches, records/s", "reference",
                             f"{cold:,.0f}", None))
            loaded = s.get("xfs_io_fsmap_records_per_second_cold-under-fio")
            if loaded:
                rows.append((f"{name}: the same while fio reads the device (QD 32 x 1 MiB), records/s", "reference",
                             f"{loaded:,.0f}", None))
            if s.get("records_per_second_warm"):
                rows.append((f"{name}: records/s, the tool with warm caches", "reference",
                             f"{s['records_per_second_warm']:,.0f}", None))
            if s.get("space_map_seconds_median") is not None:
                rows.append((f"{name}: space map s / readers waiting for it s (medians)", "reference",
                             f"{s['space_map_seconds_median']:.2f} / {s.get('reader_wait_seconds_median') or 0:.2f}",
                             None))
    for io, s in sorted((summary.get("pinpoint-overhead") or {}).items()):
        if not isinstance(s, dict) or s.get("disk_bytes_overhead_pct") is None:
            continue
        b, floor = s["disk_bytes_overhead_pct"], s.get("floor_bytes_pct")
        rows.append((f"pinpoint, I/O size {io}: extra bytes at the disk (median)", f"<= +{TARGET_PINPOINT_BYTES_PCT} %",
                     f"{b:+.1f} %", b <= TARGET_PINPOINT_BYTES_PCT))
        if floor is not None:
            rows.append((f"pinpoint, I/O size {io}: each failure found by a read of the I/O size, read once more", "reference", f"{floor:+.1f} %", None))
        t = (s.get("overhead_pct") or [None, None, None])
        if t[1] is not None:
            rows.append((f"pinpoint, I/O size {io}: extra time, median of pairs (min-max)",
                         f"<= +{TARGET_PINPOINT_OVERHEAD_PCT} %", f"{t[1]:+.1f} % ({t[0]:+.0f}-{t[2]:+.0f})",
                         t[1] <= TARGET_PINPOINT_OVERHEAD_PCT))
        rows.append((f"pinpoint, I/O size {io}: exactly {s.get('faults')} bad sectors found in every run", "all",
                     "yes" if s.get("exact") else "no", bool(s.get("exact"))))
    rot = summary.get("rotational") or {}
    if rot.get("nearest_over_sweep_seconds"):
        r = rot["nearest_over_sweep_seconds"]
        rows.append(("rotational: scan seconds, flash order / one sweep (median)", "reference",
                     f"{r[1]:.2f} ({r[0]:.2f}-{r[2]:.2f})", None))
    for name in ("many-disks", "many-devices"):
        r = (summary.get(name) or {}).get("ratio")
        if r:
            rows.append((f"{name}: ratio to fio with a job per device (median)", "reference",
                         f"{r[1]:.2f} ({r[0]:.2f}-{r[2]:.2f})", None))
    return rows


def targets(resdirs, base):
    """A Markdown table: one row per case, one column per run."""
    runs = []
    for d in resdirs:
        summary = load_json(os.path.join(d, "summary.json")) or {}
        meta = load_json(os.path.join(d, "meta.json")) or {}
        runs.append((os.path.relpath(os.path.join(d, "summary.txt"), base), meta, target_rows(summary)))
    cases = []
    for _, _, rows in runs:
        for case, target, _, _ in rows:
            if (case, target) not in cases:
                cases.append((case, target))
    labels = [chr(ord("A") + i) for i in range(len(runs))]
    out = ["| case | target | " + " | ".join(f"run {l}" for l in labels) + " |",
           "|---|---|" + "---|" * len(runs)]
    for case, target in cases:
        cells = []
        for label, (_, _, rows) in zip(labels, runs):
            hit = next(((fig, met) for c, t, fig, met in rows if (c, t) == (case, target)), None)
            if hit is None:
                cells.append("-")
            else:
                verdict = "" if hit[1] is None else (" ok" if hit[1] else " **miss**")
                cells.append(f"{hit[0]}{verdict} [{label}]")
        out.append(f"| {case} | {target} | " + " | ".join(cells) + " |")
    out.append("")
    for label, (path, meta, _) in zip(labels, runs):
        load = " ".join(meta.get("load_before") or ["?"])
        out.append(f"[{label}]: {path} \"run {label}: {meta.get('started', '?')}, {meta.get('git', '?')},"
                   f" {meta.get('seconds', '?')} s, load before {load}\"")
    print("\n".join(out))


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
    if cmd in ("tool", "toolset", "fio", "bg"):
        opts = parse_opts(args)
        line = {"tool": tool_line, "toolset": toolset_line, "fio": fio_line, "bg": bg_line}[cmd](opts)
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
    elif cmd == "targets":
        base = "."
        if args[:1] == ["--from"]:
            base, args = args[1], args[2:]
        targets(args, base)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
