"use strict";
const palette = ["#58a6ff", "#3fb950", "#d29922", "#bc8cff", "#f778ba", "#39c5cf", "#ff7b72"];
Chart.defaults.color = "#8b98a9";
Chart.defaults.borderColor = "#263040";
Chart.defaults.animation = false;
const charts = {};
function lineChart(id, unit, log) {
  charts[id] = new Chart(document.getElementById(id), {
    type: "line", data: { datasets: [] },
    options: { maintainAspectRatio: false, parsing: false, normalized: true,
      scales: { x: { type: "linear", ticks: { maxTicksLimit: 6, callback: v => new Date(v).toLocaleTimeString() } },
                y: log ? { type: "logarithmic", title: { display: true, text: unit } }
                       : { beginAtZero: true, title: { display: !!unit, text: unit } } },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 10 } } },
      elements: { point: { radius: 0 }, line: { tension: 0.25, borderWidth: 2 } } } });
}
lineChart("chart-throughput", "rows/s");
lineChart("chart-compression", "% (lower is smaller)", true);
lineChart("chart-latency", "ms");
lineChart("chart-memory", "MiB");
charts["chart-batches"] = new Chart(document.getElementById("chart-batches"), {
  type: "bar", data: { labels: [], datasets: [{ label: "samples", data: [], backgroundColor: "#58a6ff" }] },
  options: { maintainAspectRatio: false, plugins: { legend: { display: false } },
             scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } } });

function setSeries(id, services, pick) {
  const c = charts[id];
  c.data.datasets = services.filter(s => s.series.length > 0).map((s, i) => ({
    label: s.id, borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
    data: s.series.map(p => ({ x: Date.parse(p.at), y: pick(p) })) }));
  c.update();
}
const el = id => document.getElementById(id);
const fmt = (v, d = 0) => Number(v).toLocaleString(undefined, { maximumFractionDigits: d });
function text(tag, t, cls) { const e = document.createElement(tag); e.textContent = t; if (cls) e.className = cls; return e; }
function ago(iso) {
  if (!iso) return "never";
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 60 ? fmt(s) + " s ago" : fmt(s / 60) + " min ago";
}
function fill(list, items, render, empty) {
  list.replaceChildren(...(items.length ? items.map(render) : [text("li", empty, "muted")]));
}

function render(o) {
  el("window").textContent = "sliding window " + o.windowSeconds + " s";
  el("kpi-services").textContent = o.servicesHealthy + " / " + o.servicesTotal;
  el("kpi-rows").textContent = fmt(o.pipelines.reduce((a, p) => a + p.rowsPerSecond, 0));
  el("kpi-latency").textContent = fmt(Math.max(0, ...o.services.map(s => s.latencyMs.p95)), 1) + " ms";
  el("kpi-schemas").textContent = o.schemaEvents.filter(e => e.action === "registered").length;
  el("kpi-alerts").textContent = o.alerts.length;
  el("kpi-alerts").className = "v" + (o.alerts.length ? " bad" : "");

  setSeries("chart-throughput", o.services, p => p.rowsPerSecond);
  setSeries("chart-compression", o.services.map(s => ({ ...s, series: s.series.filter(p => p.compressionRatio > 0) })),
            p => p.compressionRatio * 100);
  setSeries("chart-latency", o.services, p => p.latencyMs);
  setSeries("chart-memory", o.services, p => p.memoryBytes / 1048576);
  charts["chart-batches"].data.labels = o.batchSizes.buckets;
  charts["chart-batches"].data.datasets[0].data = o.batchSizes.counts;
  charts["chart-batches"].update();

  const body = el("health").tBodies[0];
  body.replaceChildren(...o.services.map(s => {
    const tr = document.createElement("tr");
    tr.dataset.service = s.id;
    tr.dataset.healthy = s.healthy;
    const m = s.latest || {};
    const health = text("span", s.healthy ? "healthy" : "unhealthy", "badge " + (s.healthy ? "ok" : "bad"));
    const cells = [text("td", s.id), text("td", s.type), text("td", s.dataFormat || "–"), text("td", s.pipeline || "–")];
    const h = document.createElement("td"); h.append(health); cells.push(h);
    cells.push(text("td", ago(s.lastHeartbeat), "muted"));
    cells.push(text("td", fmt(m.arrow_rows_per_second || 0), "num"));
    cells.push(text("td", fmt(s.batchSize.p50), "num"));
    cells.push(text("td", fmt(s.latencyMs.p95, 1) + " ms", "num"));
    cells.push(text("td", fmt((m.arrow_memory_usage_bytes || 0) / 1048576, 1) + " MiB", "num"));
    tr.append(...cells);
    return tr;
  }));

  fill(el("alerts"), o.alerts, a => {
    const li = document.createElement("li");
    li.dataset.kind = a.kind;
    li.append(text("span", a.kind.replaceAll("_", " ").toLowerCase(), "badge bad"), " ", a.message,
              text("span", " · since " + new Date(a.since).toLocaleTimeString(), "muted"));
    return li;
  }, "No active alerts");
  fill(el("recommendations"), o.recommendations, r => {
    const li = document.createElement("li");
    li.dataset.kind = r.kind;
    li.append(text("span", r.serviceId, "badge warn"), " ", r.message,
              text("span", " · expected: " + r.expectedGain, "muted"));
    return li;
  }, "Nothing to recommend: the metrics look healthy");

  el("timeline").tBodies[0].replaceChildren(...o.schemaEvents.slice().reverse().slice(0, 12).map(e => {
    const tr = document.createElement("tr");
    tr.dataset.subject = e.subject;
    tr.append(text("td", new Date(e.at).toLocaleTimeString(), "muted"), text("td", e.subject),
      (() => { const td = document.createElement("td");
               const label = e.action === "registered" ? "v" + e.version
                 : e.action === "refused" ? "refused"
                 : e.version > 0 ? "v" + e.version + " " + e.action : e.action;
               const tone = e.action === "registered" ? "ok" : e.action === "refused" ? "bad" : "warn";
               td.dataset.action = e.action;
               td.append(text("span", label, "badge " + tone)); return td; })(),
      text("td", e.policy || "–"),
      text("td", e.fingerprint ? e.fingerprint.slice(0, 19) + "…" : e.detail, "mono"));
    return tr;
  }));

  const mx = o.matrix, table = el("matrix");
  const head = document.createElement("tr");
  head.append(text("th", "producer \\ consumer"), ...mx.consumers.map(c => text("th", c)));
  table.replaceChildren(head, ...mx.producers.map((p, i) => {
    const tr = document.createElement("tr");
    tr.append(text("th", p), ...mx.cells[i].map(c => text("td", c ? "✓ " + c : "·", c ? "hit" : "muted")));
    return tr;
  }));
  fill(el("validation"), Object.entries(o.validationErrors), ([k, v]) => {
    const li = document.createElement("li");
    li.append(text("span", fmt(v), "badge bad"), " ", k);
    return li;
  }, "No schema validation errors");
}

// With tokens on, the API answers 401 until the page sends "Authorization: Bearer TOKEN". The token
// is typed in once per tab and kept in sessionStorage: never in a URL, a cookie or a log line.
const TOKEN_KEY = "flowctl-token";
function authHeaders() {
  const t = sessionStorage.getItem(TOKEN_KEY);
  return t ? { Authorization: "Bearer " + t } : {};
}
el("login").addEventListener("submit", e => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, el("token").value.trim());
  el("token").value = "";
  refresh();
});

async function refresh() {
  try {
    const r = await fetch("/api/overview", { cache: "no-store", headers: authHeaders() });
    if (r.status === 401) {
      el("login").className = "shown";
      el("live").textContent = "token needed";
      el("live").className = "live stale";
      return;
    }
    el("login").className = "";
    if (!r.ok) throw new Error(r.status);
    render(await r.json());
    el("live").textContent = "live · updated " + new Date().toLocaleTimeString();
    el("live").className = "live";
    document.body.dataset.updated = Date.now();
  } catch (e) {
    el("live").textContent = "control plane unreachable";
    el("live").className = "live stale";
  }
}
refresh();
setInterval(refresh, 2000);
