// Stampede's implementation of https://jslib.k6.io/k6-summary/<version>/index.js:
// textSummary renders handleSummary's data in k6's compact end-of-test layout,
// jUnit renders the thresholds as a JUnit XML report.

const NAME_WIDTH = 35;

const SECTIONS = [
  ["HTTP", (n) => n.startsWith("http_")],
  ["EXECUTION", (n) => ["iteration_duration", "iterations", "vus", "vus_max", "dropped_iterations", "group_duration"].includes(n)],
  ["NETWORK", (n) => n === "data_received" || n === "data_sent"],
];

function trimZeros(s) {
  return s.indexOf(".") === -1 ? s : s.replace(/\.?0+$/, "");
}

function fixed(v, digits) {
  return trimZeros(Number(v).toFixed(digits));
}

function durationText(ms, unit) {
  if (unit === "s") return fixed(ms / 1000, 2) + "s";
  if (unit === "ms") return fixed(ms, 2) + "ms";
  if (unit === "us") return fixed(ms * 1000, 2) + "µs";
  if (ms === 0) return "0s";
  const abs = Math.abs(ms);
  if (abs < 1) return fixed(ms * 1000, 2) + "µs";
  if (abs < 1000) return fixed(ms, 2) + "ms";
  if (abs < 60000) return fixed(ms / 1000, 2) + "s";
  const totalSeconds = ms / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds - h * 3600 - m * 60;
  return (h > 0 ? h + "h" : "") + m + "m" + fixed(s, 2) + "s";
}

function dataText(bytes) {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return Math.round(v) + " B";
  return (Math.abs(v) < 10 ? v.toFixed(1) : Math.round(v).toString()) + " " + units[i];
}

function valueText(v, contains, unit) {
  if (contains === "time") return durationText(v, unit);
  if (contains === "data") return dataText(v);
  return fixed(v, 6);
}

function percent(r) {
  return (r * 100).toFixed(2) + "%";
}

function color(on, code, s) {
  return on ? `\x1b[${code}m${s}\x1b[0m` : s;
}

function padDots(name, width) {
  return name.length >= width ? name : name + ".".repeat(width - name.length);
}

function padRight(s, width) {
  return s.length >= width ? s : s + " ".repeat(width - s.length);
}

function trendStats(data) {
  const stats = data && data.options && data.options.summaryTrendStats;
  return stats && stats.length ? stats : ["avg", "min", "med", "max", "p(90)", "p(95)"];
}

function timeUnit(data) {
  return (data && data.options && data.options.summaryTimeUnit) || "";
}

// Returns [first column, rest] of one metric's line.
function metricColumns(m, data) {
  const v = m.values || {};
  const unit = timeUnit(data);
  switch (m.type) {
    case "counter":
      return [valueText(v.count, m.contains, unit), [valueText(v.rate, m.contains === "data" ? "data" : "default", unit) + "/s"]];
    case "gauge":
      return [valueText(v.value, m.contains, unit), ["min=" + valueText(v.min, m.contains, unit), "max=" + valueText(v.max, m.contains, unit)]];
    case "rate":
      return [percent(v.rate || 0), [`${v.passes} out of ${(v.passes || 0) + (v.fails || 0)}`]];
    case "trend":
      return ["", trendStats(data).filter((s) => s in v).map((s) => `${s}=${valueText(v[s], m.contains, unit)}`)];
    default:
      return ["", []];
  }
}

function splitName(key) {
  const i = key.indexOf("{");
  if (i === -1) return [key, ""];
  return [key.slice(0, i), key.slice(i + 1, key.length - 1)];
}

// Returns the rows (parents followed by their sub-metrics) of one section.
function metricRows(keys, data) {
  const rows = [];
  const byParent = new Map();
  for (const key of keys) {
    const [parent, tags] = splitName(key);
    if (!byParent.has(parent)) byParent.set(parent, []);
    if (tags) byParent.get(parent).push(key);
  }
  for (const parent of [...byParent.keys()].sort()) {
    if (data.metrics[parent]) rows.push({ name: parent, sub: false, cols: metricColumns(data.metrics[parent], data) });
    for (const key of byParent.get(parent).sort()) {
      rows.push({ name: "{ " + splitName(key)[1] + " }", sub: true, cols: metricColumns(data.metrics[key], data) });
    }
  }
  return rows;
}

// Column widths shared by every section: the first value column and the
// columns after it (trend lines do not count, they are not aligned).
function columnWidths(rows) {
  let first = 0;
  const rest = [];
  for (const { cols } of rows) {
    const [f, r] = cols;
    if (f === "") continue;
    first = Math.max(first, f.length);
    r.forEach((x, i) => (rest[i] = Math.max(rest[i] || 0, x.length)));
  }
  return { first, rest };
}

function renderRow(row, widths, indent) {
  const [first, rest] = row.cols;
  const label = row.sub ? "  " + padDots(row.name, NAME_WIDTH - 2) : padDots(row.name, NAME_WIDTH);
  let line = indent + label + ": ";
  if (first === "") {
    line += rest.join(" ");
  } else {
    line += padRight(first, widths.first);
    if (rest.length) {
      line += " " + rest.map((r, j) => (j < rest.length - 1 ? padRight(r, widths.rest[j]) : r)).join(" ");
    }
  }
  return line.replace(/\s+$/, "");
}

function allChecks(group, out) {
  if (!group) return out;
  for (const c of group.checks || []) out.push(c);
  for (const g of group.groups || []) allChecks(g, out);
  return out;
}

function thresholdAggregate(expr) {
  const m = /^\s*([a-z]+(?:\(\s*[0-9.]+\s*\))?)/.exec(expr);
  return m ? m[1].replace(/\s+/g, "") : "";
}

function thresholdValue(m, agg, data) {
  const v = m.values || {};
  if (!(agg in v)) return "";
  if (m.type === "rate" && agg === "rate") return `${agg}=${percent(v[agg])}`;
  if (agg === "count") return `${agg}=${fixed(v[agg], 6)}`;
  return `${agg}=${valueText(v[agg], m.contains, timeUnit(data))}`;
}

/**
 * textSummary renders handleSummary's data the way k6 prints its end-of-test
 * summary (compact layout): thresholds, checks, then metrics grouped in HTTP,
 * EXECUTION, NETWORK and CUSTOM sections. options: {indent (default " "),
 * enableColors (default false)}.
 */
export function textSummary(data, options = {}) {
  const base = options.indent === undefined ? " " : String(options.indent);
  const colors = Boolean(options.enableColors);
  const ok = color(colors, 32, "✓");
  const bad = color(colors, 31, "✗");
  const ind = base + "   ";
  const lines = [];
  const metrics = (data && data.metrics) || {};
  const keys = Object.keys(metrics);

  const withThresholds = keys.filter((k) => metrics[k].thresholds && Object.keys(metrics[k].thresholds).length).sort();
  if (withThresholds.length) {
    lines.push("", base + " █ THRESHOLDS", "");
    for (const k of withThresholds) {
      const m = metrics[k];
      lines.push(ind + k);
      for (const [expr, res] of Object.entries(m.thresholds)) {
        const val = thresholdValue(m, thresholdAggregate(expr), data);
        lines.push(ind + (res.ok ? ok : bad) + ` '${expr}'` + (val ? " " + val : ""));
      }
      lines.push("");
    }
    lines.pop();
  }

  lines.push("", base + " █ TOTAL RESULTS", "");
  const checks = allChecks(data && data.root_group, []);
  if (checks.length) {
    let passes = 0;
    let fails = 0;
    for (const c of checks) {
      passes += c.passes;
      fails += c.fails;
    }
    const total = passes + fails;
    const duration = (data.state && data.state.testRunDurationMs) || 0;
    const rate = duration > 0 ? fixed(total / (duration / 1000), 6) + "/s" : "0/s";
    const rows = [
      ["checks_total", String(total), rate],
      ["checks_succeeded", percent(total ? passes / total : 0), `${passes} out of ${total}`],
      ["checks_failed", percent(total ? fails / total : 0), `${fails} out of ${total}`],
    ];
    const w = Math.max(...rows.map((r) => r[1].length));
    for (const [name, first, rest] of rows) {
      lines.push(ind + padDots(name, NAME_WIDTH) + ": " + padRight(first, w) + " " + rest);
    }
    lines.push("");
    for (const c of checks) {
      if (c.fails === 0) {
        lines.push(ind + ok + " " + c.name);
      } else {
        const pct = Math.floor((100 * c.passes) / (c.passes + c.fails));
        lines.push(ind + bad + " " + c.name);
        lines.push(ind + `  ↳  ${pct}% — ${ok} ${c.passes} / ${bad} ${c.fails}`);
      }
    }
    lines.push("");
  }

  const remaining = new Set(keys.filter((k) => !splitName(k)[0].startsWith("checks")));
  const sections = [];
  for (const [title, match] of SECTIONS) {
    const ks = [...remaining].filter((k) => match(splitName(k)[0]));
    ks.forEach((k) => remaining.delete(k));
    sections.push([title, ks]);
  }
  sections.push(["CUSTOM", [...remaining]]);
  const rendered = sections.filter(([, ks]) => ks.length).map(([title, ks]) => [title, metricRows(ks, data)]);
  const widths = columnWidths(rendered.flatMap(([, rows]) => rows));
  for (const [title, rows] of rendered) {
    lines.push(ind + title);
    for (const row of rows) lines.push(renderRow(row, widths, ind));
    lines.push("");
  }
  return lines.join("\n") + "\n";
}

function xmlEscape(s) {
  return String(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * jUnit renders every threshold as a JUnit test case (failed thresholds as
 * failures). options: {name (testsuite name, default "k6 thresholds"),
 * classname (default "Unnamed folder")}.
 */
export function jUnit(data, options = {}) {
  const name = options.name || "k6 thresholds";
  const classname = options.classname || "Unnamed folder";
  const cases = [];
  let failures = 0;
  const metrics = (data && data.metrics) || {};
  for (const k of Object.keys(metrics).sort()) {
    const th = metrics[k].thresholds || {};
    for (const [expr, res] of Object.entries(th)) {
      const caseName = xmlEscape(`${k} - ${expr}`);
      if (res.ok) {
        cases.push(`<testcase name="${caseName}" classname="${xmlEscape(classname)}" />`);
      } else {
        failures++;
        cases.push(`<testcase name="${caseName}" classname="${xmlEscape(classname)}"><failure message="failed" /></testcase>`);
      }
    }
  }
  return (
    `<?xml version="1.0"?>\n<testsuites tests="${cases.length}" failures="${failures}">\n` +
    `<testsuite name="${xmlEscape(name)}" tests="${cases.length}" failures="${failures}">` +
    cases.join("\n") +
    "\n</testsuite>\n</testsuites>\n"
  );
}
