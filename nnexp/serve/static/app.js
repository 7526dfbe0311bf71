// nnexp dashboard: every page polls its JSON endpoint and redraws what changed.
"use strict";

const POLL_MS = 2000;
const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
  "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const main = document.getElementById("main");
const live = document.getElementById("live");

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function getJSON(url) {
  const response = await fetch(url, { cache: "no-store" });
  const data = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
  if (!response.ok && !data.error) data.error = `${response.status} ${response.statusText}`;
  return data;
}

// Polls `load` every POLL_MS; `load` resolves to true when the page is current.
function poll(load) {
  let timer = null;
  async function tick() {
    try {
      await load();
      live.textContent = "live · " + new Date().toLocaleTimeString();
      live.classList.remove("lost");
    } catch (err) {
      live.textContent = "cannot reach the server: retrying";
      live.classList.add("lost");
    }
    timer = setTimeout(tick, POLL_MS);
  }
  tick();
  return () => clearTimeout(timer);
}

function fmt(value, key) {
  if (value === null || value === undefined || value === "") return "";
  if (typeof value !== "number") return String(value);
  if (key && /accuracy/.test(key)) return (100 * value).toFixed(2) + "%";
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

function seconds(value) {
  if (value === null || value === undefined) return "";
  const s = Math.round(value);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h ? `${h}h ${m}m` : m ? `${m}m ${r}s` : `${r}s`;
}

function badge(status) {
  return el("span", { class: "status s-" + String(status).replace(/\s/g, "") }, status);
}

function runLink(id, text) {
  return el("a", { href: "/run/" + encodePath(id) }, text);
}

function encodePath(id) {
  return id.split("/").map(encodeURIComponent).join("/");
}

function idFromPath(prefix) {
  return location.pathname.slice(prefix.length);  // still percent-encoded
}

function errorBox(text) {
  return el("div", { class: "box error" }, text);
}

// A table from {columns, rows}; `cellFor(column, value, row)` may return a node.
function dataTable(data, cellFor) {
  const head = el("tr", {}, data.columns.map((c) => el("th", {}, c)));
  const body = data.rows.map((row) => el("tr", {}, row.map((value, i) => {
    const shown = cellFor ? cellFor(data.columns[i], value, row) : null;
    return el("td", { class: typeof value === "number" ? "num" : null },
      shown !== null && shown !== undefined ? shown : fmt(value, data.columns[i]));
  })));
  return el("div", { class: "table-wrap" }, el("table", {}, el("thead", {}, head), el("tbody", {}, body)));
}

// ---- charts --------------------------------------------------------------------

function layout(title, log, lastX) {
  return {
    title: { text: title, font: { size: 14 }, x: 0.01, xanchor: "left" },
    margin: { l: 55, r: 15, t: 35, b: 30 },
    xaxis: lastX <= 12 ? { dtick: 1 } : {},
    yaxis: { type: log ? "log" : "linear" },
    legend: { orientation: "h", y: -0.12, yanchor: "top" },
    hovermode: "x unified",
    uirevision: title,  // zoom and hidden traces survive the redraws
  };
}

function drawPanels(container, panels, toTraces, legend = true) {
  const ids = panels.map((_, i) => container.id + "-" + i);
  if (container.children.length !== panels.length) {
    container.replaceChildren(...ids.map((id) => el("div", { class: "chart", id })));
  }
  panels.forEach((panel, i) => {
    const isLoss = /loss|norm|mse|error/.test(panel.title);
    const lastX = Math.max(0, ...panel.traces.flatMap((t) => t.x).filter((v) => v !== null));
    const look = layout(panel.title, isLoss && positive(panel), lastX);
    if (!legend) { look.showlegend = false; look.margin.b = 25; }
    Plotly.react(ids[i], toTraces(panel), look,
      { displaylogo: false, responsive: true, displayModeBar: "hover" });
  });
}

function positive(panel) {
  const ys = panel.traces.flatMap((t) => t.y).filter((v) => v !== null);
  return ys.length > 0 && Math.min(...ys) > 0 && Math.max(...ys) / Math.min(...ys) > 1000;
}

function lineTraces(panel) {
  return panel.traces.map((t, i) => ({
    x: t.x, y: t.y, name: t.name, mode: t.x.length > 1 ? "lines" : "markers",
    line: { color: COLORS[i % COLORS.length], width: 2 },
  }));
}

function rgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${alpha})`;
}

// One colour per group name, the same in every panel.
function groupColors(panels) {
  const names = [...new Set(panels.flatMap((p) => p.traces.map((t) => t.name)))];
  return Object.fromEntries(names.map((n, i) => [n, COLORS[i % COLORS.length]]));
}

function bandTraces(panel, colorOf) {
  const out = [];
  panel.traces.forEach((t) => {
    const color = colorOf[t.name];
    const name = t.runs > 1 ? `${t.name} (${t.runs} runs)` : t.name;
    if (t.low) {
      out.push({ x: t.x, y: t.high, mode: "lines", line: { width: 0 }, hoverinfo: "skip",
        showlegend: false, legendgroup: name });
      out.push({ x: t.x, y: t.low, mode: "lines", line: { width: 0 }, fill: "tonexty",
        fillcolor: rgba(color, 0.18), hoverinfo: "skip", showlegend: false, legendgroup: name });
    }
    out.push({ x: t.x, y: t.y, name, mode: "lines", legendgroup: name, line: { color, width: 2 } });
  });
  return out;
}

// Figures by name: a figure already shown keeps its image until the new one has
// loaded (no flicker while a run is training).
function drawFigures(container, items) {
  if (!items.length) { container.replaceChildren(el("p", { class: "muted" }, "no figures yet")); return; }
  const shown = new Map([...container.querySelectorAll("figure")].map((f) => [f.dataset.name, f]));
  if (items.length !== shown.size || !items.every((f) => shown.has(f.name))) {
    container.replaceChildren(el("div", { class: "figures" }, items.map((f) => el("figure", { "data-name": f.name },
      el("img", { src: f.url, alt: f.name }), el("figcaption", {}, f.name)))));
    return;
  }
  for (const f of items) {
    const img = shown.get(f.name).querySelector("img");
    if (img.getAttribute("src") === f.url) continue;
    const next = new Image();
    next.onload = () => { img.src = f.url; };
    next.src = f.url;
  }
}

// ---- the runs page ---------------------------------------------------------------

function runsPage() {
  const params = new URLSearchParams(location.search);
  const state = { sort: "started", up: false, chosen: new Set(), version: null, data: null };
  const q = el("input", { placeholder: "name contains…", value: params.get("q") || "", size: 18 });
  const status = el("select", {}, ["", "running", "completed", "diverged", "interrupted", "failed", "unreadable"]
    .map((s) => el("option", { value: s }, s || "any status")));
  status.value = params.get("status") || "";
  const filter = el("input", { placeholder: "key=value …  (e.g. activation=relu lr=0.1)", size: 38,
    value: params.getAll("filter").join(" ") });
  const compare = el("button", { disabled: true, onclick: () => {
    const query = [...state.chosen].map((id) => "run=" + encodeURIComponent(id)).join("&");
    location.href = "/compare?" + query;
  } }, "compare selected");
  const count = el("span", { class: "muted" });
  const message = el("div");
  const sweeps = el("div");
  const table = el("div", { class: "table-wrap", id: "runs-table" });
  main.replaceChildren(el("h1", {}, "Runs"), sweeps,
    el("div", { class: "controls" }, q, status, filter, compare, count), message, table);

  function query() {
    const p = new URLSearchParams();
    if (q.value.trim()) p.set("q", q.value.trim());
    if (status.value) p.set("status", status.value);
    for (const f of filter.value.split(/\s+/).filter(Boolean)) p.append("filter", f);
    return p.toString();
  }
  function refilter() {
    history.replaceState(null, "", "/" + (query() ? "?" + query() : ""));
    state.version = null;
    load();
  }
  q.addEventListener("input", refilter);
  status.addEventListener("change", refilter);
  filter.addEventListener("change", refilter);

  async function load() {
    const [data, sweepData] = await Promise.all([getJSON("/api/runs?" + query()), getJSON("/api/sweeps")]);
    drawSweeps(sweeps, sweepData.sweeps || []);
    if (data.error) { message.replaceChildren(errorBox(data.error)); return; }
    message.replaceChildren();
    if (data.version === state.version) return;
    state.version = data.version;
    state.data = data;
    draw();
  }

  function columns(data) {
    const keys = (part) => [...new Set(data.rows.flatMap((r) => Object.keys(r[part] || {})))]
      .sort((a, b) => (a.startsWith("val") ? 0 : 1) - (b.startsWith("val") ? 0 : 1) || a.localeCompare(b));
    return [
      { key: "name", label: "name", get: (r) => r.name },
      { key: "status", label: "status", get: (r) => r.status },
      { key: "started", label: "started", get: (r) => r.started },
      { key: "duration", label: "duration", get: (r) => r.duration, show: seconds },
      { key: "epochs", label: "epochs", get: (r) => r.epochs,
        show: (v, r) => v === undefined ? "" : `${v}${r.planned ? " / " + r.planned : ""}` },
      ...data.settings.map((s) => ({ key: "s:" + s, label: s, get: (r) => r.settings[s] })),
      ...keys("final").map((m) => ({ key: "f:" + m, label: "final " + m, metric: m, get: (r) => (r.final || {})[m] })),
      ...keys("best").map((m) => ({ key: "b:" + m, label: "best " + m, metric: m, get: (r) => (r.best || {})[m] })),
      ...keys("test").map((m) => ({ key: "t:" + m, label: "test " + m, metric: m, get: (r) => (r.test || {})[m] })),
    ];
  }

  function draw() {
    const data = state.data;
    const cols = columns(data);
    const sortCol = cols.find((c) => c.key === state.sort) || cols[0];
    const rows = [...data.rows].sort((a, b) => {
      const x = sortCol.get(a), y = sortCol.get(b);
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      return state.up ? order : -order;
    });
    count.textContent = `${rows.length} of ${data.total} runs`;
    const head = el("tr", {}, el("th", {}, ""), cols.map((c) => el("th", {
      class: c.key === sortCol.key ? "sorted" + (state.up ? " up" : "") : null,
      onclick: () => { state.up = state.sort === c.key ? !state.up : false; state.sort = c.key; draw(); },
    }, c.label)));
    const body = rows.map((r) => {
      const box = el("input", { type: "checkbox", checked: state.chosen.has(r.id), onchange: (e) => {
        if (e.target.checked) state.chosen.add(r.id); else state.chosen.delete(r.id);
        compare.disabled = state.chosen.size === 0;
      } });
      if (r.error) {
        return el("tr", { class: "error", "data-id": r.id }, el("td", {}, ""), el("td", {}, runLink(r.id, r.name)),
          el("td", {}, badge(r.status)), el("td", { class: "error-text", colspan: cols.length - 2 }, r.error));
      }
      return el("tr", { "data-id": r.id }, el("td", {}, box), cols.map((c) => {
        const v = c.get(r);
        if (c.key === "name") return el("td", {}, runLink(r.id, v));
        if (c.key === "status") return el("td", {}, badge(v));
        return el("td", { class: typeof v === "number" ? "num" : null }, c.show ? c.show(v, r) : fmt(v, c.metric));
      }));
    });
    for (const id of [...state.chosen]) if (!data.rows.some((r) => r.id === id)) state.chosen.delete(id);
    compare.disabled = state.chosen.size === 0;
    table.replaceChildren(el("table", {}, el("thead", {}, head), el("tbody", {}, body)));
  }
  poll(load);
}

function progressBar(p) {
  const total = p.total || 1;
  return el("span", { class: "progress", title: JSON.stringify(p) },
    ["completed", "diverged", "failed", "interrupted", "running"].map((s) =>
      el("span", { class: "p-" + s, style: `width:${100 * (p[s] || 0) / total}%` })));
}

function progressText(p) {
  return ["completed", "running", "failed", "diverged", "interrupted", "not run"]
    .filter((s) => p[s]).map((s) => `${p[s]} ${s}`).join(", ") + ` of ${p.total}`;
}

function drawSweeps(container, sweeps) {
  if (!sweeps.length) { container.replaceChildren(); return; }
  container.replaceChildren(el("h2", {}, "Sweeps"), el("table", { class: "sweeps" },
    sweeps.map((s) => el("tr", {}, el("td", {}, el("a", { href: "/sweep/" + encodePath(s.id) }, s.name)),
      el("td", {}, s.error ? el("span", { class: "error-text" }, s.error) : progressBar(s.progress)),
      el("td", { class: "muted" }, s.error ? "" : progressText(s.progress))))));
}

// ---- a run -------------------------------------------------------------------------

function runPage() {
  const id = idFromPath("/run/");
  const state = { version: null };
  const title = el("h1", {}, "run");
  const meta = el("div", { class: "controls" });
  const message = el("div");
  const charts = el("div", { class: "charts", id: "charts" });
  const layers = el("div", { class: "charts", id: "layers" });
  const findings = el("div");
  const figs = el("div");
  const texts = el("div", { class: "cols" });
  main.replaceChildren(title, meta, message, charts, findings, el("h2", {}, "Per-layer diagnostics"), layers,
    el("h2", {}, "Figures"), figs, texts);

  async function load() {
    const data = await getJSON("/api/run/" + id);
    if (data.error && !data.id) { message.replaceChildren(errorBox(data.error)); return; }
    if (data.version === state.version && data.status === state.status) return;
    state.version = data.version; state.status = data.status;
    document.title = `${data.name} · nnexp`;
    title.replaceChildren(data.name, " ", badge(data.status));
    const epochs = data.series ? data.series.epochs : 0;
    meta.replaceChildren(...[
      el("span", {}, "epochs: ", el("b", { id: "epochs", "data-epochs": epochs }, String(epochs))),
      el("span", { class: "muted" }, data.id),
      data.sweep ? el("a", { href: "/sweep/" + encodePath(data.sweep) }, "its sweep") : null,
      el("a", { href: "/compare?run=" + encodeURIComponent(decodeURIComponent(id)) }, "compare…"),
    ].filter(Boolean));
    message.replaceChildren(data.error ? errorBox(data.error) : "");
    if (!data.series) return;
    if (data.series.panels.length) drawPanels(charts, data.series.panels, lineTraces);
    else charts.replaceChildren(el("p", { class: "muted" }, "no epoch recorded yet"));
    if (data.series.layers.length) drawPanels(layers, data.series.layers, lineTraces);
    else layers.replaceChildren(el("p", { class: "muted" }, "no per-layer columns in metrics.csv"));
    findings.replaceChildren(...(data.findings.length ? [el("h2", {}, "Findings"), el("ul", { class: "findings box" },
      data.findings.map((f) => el("li", {}, f.title ? el("b", {}, f.title + ": ") : null, f.text || "",
        f.detail ? el("div", { class: "detail" }, f.detail) : null)))] : []));
    // figures drawn on the server: while the run trains, at most every 30 s
    const now = Date.now();
    if (data.status !== "running" || !state.drawn || now - state.drawn > 30000) {
      state.drawn = now;
      drawFigures(figs, [...data.images, ...data.live.map((f) => ({ name: f.name + " (live)", url: f.url }))]);
    }
    texts.replaceChildren(
      el("div", {}, el("h2", {}, "Config"), el("pre", { id: "config" }, data.config)),
      el("div", {}, el("h2", {}, "Summary"), el("pre", { id: "summary" }, JSON.stringify(data.summary, null, 2))));
  }
  poll(load);
}

// ---- compare ---------------------------------------------------------------------

function comparePage() {
  const params = new URLSearchParams(location.search);
  const by = el("input", { placeholder: "group by (e.g. activation)", value: params.getAll("by").join(","), size: 26 });
  const smooth = el("input", { type: "number", min: 1, max: 500, value: params.get("smooth") || 1, style: "width:5em" });
  const apply = el("button", { onclick: () => {
    const p = new URLSearchParams();
    for (const r of params.getAll("run")) p.append("run", r);
    for (const s of params.getAll("sweep")) p.append("sweep", s);
    for (const b of by.value.split(",").map((s) => s.trim()).filter(Boolean)) p.append("by", b);
    if (Number(smooth.value) > 1) p.set("smooth", smooth.value);
    location.search = p.toString();  // the selection lives in the address: shareable
  } }, "update");
  const body = el("div");
  main.replaceChildren(el("h1", {}, "Compare"),
    el("div", { class: "controls" }, "by ", by, " smoothing (epochs) ", smooth, apply), body);
  if (!params.getAll("run").length && !params.getAll("sweep").length) {
    body.replaceChildren(el("p", { class: "muted" }, "Pick runs on the ", el("a", { href: "/" }, "runs page"),
      " (tick them, then \"compare selected\") or open a sweep and follow \"compare its cells\"."));
    live.textContent = "";
    return;
  }
  let last = null;
  const legend = el("div", { class: "legend", id: "legend" });
  const charts = el("div", { class: "charts", id: "compare-charts" });
  const rest = el("div");
  body.replaceChildren(legend, charts, rest);
  async function load() {
    const response = await fetch("/api/compare" + location.search, { cache: "no-store" });
    const text = await response.text();
    if (text === last) return;
    last = text;
    let data;
    try { data = JSON.parse(text); } catch (e) { data = { error: text }; }
    if (data.error) { charts.replaceChildren(); rest.replaceChildren(errorBox(data.error)); return; }
    if (!by.value) by.placeholder = data.by.length ? `grouped by ${data.by.join(", ")}` : "group by (e.g. activation)";
    const colorOf = groupColors(data.series);
    drawPanels(charts, data.series, (panel) => bandTraces(panel, colorOf), false);
    const sizes = Object.fromEntries(data.series.flatMap((p) => p.traces.map((t) => [t.name, t.runs])));
    legend.replaceChildren(...Object.entries(colorOf).map(([name, color]) => el("span", { class: "key" },
      el("span", { class: "swatch", style: `background:${color}` }), sizes[name] > 1 ? `${name} (${sizes[name]} runs, mean ± std)` : name)));
    const parts = [];
    if (data.skipped.length) parts.push(el("div", { class: "box warning" }, "left out: " + data.skipped.join("; ")));
    if (data.stats) {
      parts.push(el("h2", {}, `Groups by ${data.by.join(", ")}: ${data.stats.metric}, mean and 95% interval, paired t-test against the best`));
      parts.push(dataTable(data.stats.table));
      for (const note of data.stats.notes) parts.push(el("p", { class: "muted" }, note));
      for (const w of data.stats.warnings) parts.push(el("div", { class: "box warning" }, w));
    }
    if (data.stats_error) parts.push(el("div", { class: "box error" }, data.stats_error));
    parts.push(el("h2", {}, "Runs (best first by " + data.metric + ")"));
    parts.push(dataTable(data.table, (column, value) => column === "folder" ? String(value).split("/").pop() : null));
    parts.push(el("h2", {}, "Settings that differ"));
    parts.push(data.differences.columns.length > 1 ? dataTable(data.differences)
      : el("p", { class: "muted" }, "the runs have the same settings"));
    parts.push(el("p", { class: "muted" }, "runs: ", data.runs.flatMap((r, i) => [i ? ", " : "", runLink(r.id, r.name)])));
    rest.replaceChildren(...parts);
  }
  poll(load);
}

// ---- a sweep ---------------------------------------------------------------------

function sweepPage() {
  const id = idFromPath("/sweep/");
  const figs = el("div");
  let version = null;
  async function load() {
    const data = await getJSON("/api/sweep/" + id);
    if (data.error && !data.progress) { main.replaceChildren(errorBox(data.error)); return; }
    const key = JSON.stringify([data.version, data.progress]);
    if (key === version) return;
    version = key;
    const parts = [el("h1", {}, data.name || id)];
    if (data.error) { parts.push(errorBox(data.error)); main.replaceChildren(...parts); return; }
    parts.push(el("div", { class: "controls" }, progressBar(data.progress),
      el("span", { id: "progress" }, progressText(data.progress)),
      el("a", { href: "/compare?sweep=" + encodeURIComponent(data.id) }, "compare its cells")));
    parts.push(el("h2", {}, "Figures"));
    parts.push(figs);
    drawFigures(figs, [...data.figures.map((f) => ({ name: f.name + " (live)", url: f.url })), ...data.images]);
    parts.push(el("h2", {}, "Results"));
    parts.push(dataTable(data.results, (column, value, row) => {
      if (column === "status") return badge(value);
      if (column === "cell") {
        const runId = data.ids[data.results.rows.indexOf(row)];
        return runId ? runLink(runId, value) : value;
      }
      return null;
    }));
    main.replaceChildren(...parts);
  }
  poll(load);
}

({ runs: runsPage, run: runPage, compare: comparePage, sweep: sweepPage })[document.body.dataset.page]();
