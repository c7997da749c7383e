// livecart dashboard forms: each <form data-api="/api/..."> is sent with fetch and the page's
// CSRF token; a background job's progress is shown in a bar with a Cancel button, and errors
// (an import's every problem with file, row and column) are shown beside the form.
// data-api may name fields in braces (/api/retros/{session_id}): they go into the path.
// data-method="GET" sends the other fields as the query. What a result shows: its summary,
// data-fields="a,b" (those values), data-table="rows" (that list as a table; "." the result;
// "a,b" one row per key, from objects of the same shape). An answer sent as an attachment (a
// CSV export) is downloaded under its own name, with a link to it and its count of rows.
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function report(form) {
    let r = form.querySelector(".report");
    if (!r) { r = el("div", { class: "report", role: "status", "aria-live": "polite" }); form.appendChild(r); }
    r.innerHTML = "";
    return r;
  }

  function showError(box, body) {
    box.appendChild(el("p", { class: "alert error" }, "error: " + (body.detail || body.error || "refused")));
    if (body.problems && body.problems.length) {
      const t = el("table", { class: "data problems" });
      const head = t.insertRow();
      ["file", "row", "column", "problem"].forEach((h) => head.appendChild(el("th", {}, h)));
      body.problems.forEach((p) => {
        const tr = t.insertRow();
        [p.file, p.row, p.column, p.message].forEach((v) => tr.insertCell().textContent = v);
      });
      box.appendChild(t);
    }
    if (body.fix) box.appendChild(el("p", { class: "muted fix" }, body.fix));
  }

  function cell(v) {
    if (v === null || v === undefined) return "—";
    if (typeof v === "number") {
      if (Number.isInteger(v)) return v.toLocaleString("en-US");
      const a = Math.abs(v);
      return v.toLocaleString("en-US", { maximumFractionDigits: a >= 100 ? 0 : a >= 1 ? 2 : 3 });
    }
    if (typeof v === "object") return Array.isArray(v) ? v.map(cell).join(", ") : JSON.stringify(v);
    return String(v);
  }

  function showData(form, box, result) {
    (form.dataset.fields || "").split(",").filter(Boolean).forEach((k) => {
      const p = el("p", { class: "field", "data-field": k });
      p.append(el("b", {}, k.replace(/_/g, " ") + ": "), cell(result[k]));
      box.appendChild(p);
    });
    const key = form.dataset.table || "";
    const rows = key === "." ? result
      : key.includes(",") ? key.split(",").map((k) => ({ measure: k, ...result[k] }))
      : key ? result[key] : null;
    if (!Array.isArray(rows)) return;
    if (!rows.length) { box.appendChild(el("p", { class: "muted" }, "no rows")); return; }
    const t = el("table", { class: "data result" });
    const cols = Object.keys(rows[0]);
    const head = t.createTHead().insertRow();
    cols.forEach((c) => head.appendChild(el("th", {}, c.replace(/_/g, " "))));
    const body = t.createTBody();
    rows.forEach((r) => {
      const tr = body.insertRow();
      cols.forEach((c) => { const td = tr.insertCell(); td.textContent = cell(r[c]); if (typeof r[c] === "number") td.className = "num"; });
    });
    const wrap = el("div", { class: "wide-table" });
    wrap.appendChild(t);
    box.appendChild(wrap);
  }

  function showResult(form, box, result) {
    const done = form.dataset.done;
    if (result && result.summary) box.appendChild(el("p", { class: "ok" }, result.summary));
    if (result && (form.dataset.fields || form.dataset.table)) showData(form, box, result);
    (result && result.notes || []).forEach((n) => box.appendChild(el("p", { class: "muted" }, "note: " + n)));
    if (done && result) {
      const href = done.replace(/\{(\w+)\}/g, (_, k) => encodeURIComponent(result[k]));
      const a = el("a", { href: href, class: "next" }, form.dataset.doneText || "open");
      box.appendChild(a);
      if (form.dataset.follow !== undefined) window.location.href = href;
    } else if (!result || !(result.summary || form.dataset.fields || form.dataset.table)) {
      box.appendChild(el("p", { class: "ok" }, form.dataset.okText || "done"));
    }
  }

  async function follow(form, box, job) {
    const bar = el("progress", { max: "1", value: "0", "aria-label": "progress" });
    const label = el("span", { class: "muted" }, job.action + "…");
    const cancel = el("button", { type: "button", class: "cancel" }, "Cancel");
    cancel.onclick = () => fetch("/api/jobs/" + job.id + "/cancel", { method: "POST", headers: { "X-CSRF-Token": csrf() } });
    const line = el("div", { class: "job" });
    line.append(bar, " ", label, " ", cancel);
    box.appendChild(line);
    for (;;) {
      const r = await fetch("/api/jobs/" + job.id);
      job = await r.json();
      if (job.total) { bar.max = job.total; bar.value = job.done; } else { bar.removeAttribute("value"); }
      if (job.message) label.textContent = job.message;
      if (job.status !== "running") break;
      await new Promise((res) => setTimeout(res, 250));
    }
    line.remove();
    if (job.status === "done") showResult(form, box, job.result);
    else showError(box, job.error || { detail: job.status });
  }

  async function download(box, r) {
    const how = r.headers.get("Content-Disposition") || "";
    const name = (how.match(/filename="?([^";]+)"?/) || [])[1] || "download.csv";
    const blob = await r.blob();
    const rows = Math.max(0, (await blob.text()).split("\n").filter(Boolean).length - 1);
    const a = el("a", { href: URL.createObjectURL(blob), download: name, class: "download" }, name);
    const p = el("p", { class: "ok" }, rows.toLocaleString("en-US") + " rows in ");
    p.appendChild(a);
    box.appendChild(p);
    a.click();
  }

  // the form's values, minus the empty ones and those the path takes
  function values(form, inPath) {
    const data = {};
    new FormData(form).forEach((v, k) => {
      if (v === "" || inPath.has(k) || v instanceof File) return;
      const input = form.elements[k];
      const kind = input && input.dataset ? input.dataset.type : "";
      if (kind === "list") data[k] = String(v).split(",").map((x) => x.trim()).filter(Boolean);
      else if (kind === "number") data[k] = Number(v);
      else if (kind === "bool") data[k] = true;
      else data[k] = v;
    });
    return data;
  }

  async function submit(form, ev) {
    ev.preventDefault();
    const box = report(form);
    const method = (form.dataset.method || "POST").toUpperCase();
    const headers = { "X-CSRF-Token": csrf() };
    const inPath = new Set();
    let url = form.dataset.api.replace(/\{(\w+)\}/g, (_, k) => {
      inPath.add(k);
      return encodeURIComponent((form.elements[k] || {}).value || "");
    });
    let body;
    if (method === "GET") {
      const q = new URLSearchParams();
      Object.entries(values(form, inPath)).forEach(([k, v]) => [].concat(v).forEach((x) => q.append(k, x)));
      if ([...q].length) url += (url.includes("?") ? "&" : "?") + q;
    } else if (form.dataset.raw) {
      body = form.elements[form.dataset.raw].files[0];  // the file itself is the body
    } else if (form.enctype === "multipart/form-data") {
      body = new FormData(form);
    } else {
      body = JSON.stringify(values(form, inPath));
      headers["Content-Type"] = "application/json";
    }
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const r = await fetch(url, { method, headers, body });
      if (r.ok && /^attachment/.test(r.headers.get("Content-Disposition") || "")) return await download(box, r);
      const text = await r.text();
      let out; try { out = JSON.parse(text); } catch (e) { out = { detail: text }; }
      if (!r.ok) {
        if (Array.isArray(out.detail)) out = { detail: out.detail.map((d) => (d.loc || []).slice(1).join(".") + ": " + d.msg).join("; ") };
        showError(box, out);
      } else if (out && out.id && out.status) await follow(form, box, out);
      else showResult(form, box, out);
    } finally {
      if (button) button.disabled = false;
    }
  }

  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (form instanceof HTMLFormElement && form.dataset.api) submit(form, ev);
  });
})();
