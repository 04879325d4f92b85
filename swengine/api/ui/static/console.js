// The swengine console: plain DOM over the JSON API, no framework, no network beyond this server.
// Every text from the server is set as textContent (never parsed as HTML), except the diagrams, which are
// SVG the server renders with every label escaped.
"use strict";

const TOKEN_KEY = "swengine-token";
const STATUSES = ["running", "completed", "failed", "cancelled", "terminated", "timed_out"];
const EVENT_TEMPLATE = {
  specversion: "1.0", id: "", source: "/console", type: "com.example.event", data: {},
};
let refresh = null; // the timer that keeps an instance page live

function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function json(value) { return JSON.stringify(value, null, 2); }
function newId() { return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now())); }
function link(href, text) { return h("a", { href }, text); }
function statusBadge(status) { return h("span", { class: `status ${status}` }, status); }
function enc(text) { return encodeURIComponent(text); }

function notice(message) {
  const box = document.getElementById("notice");
  box.hidden = !message;
  box.textContent = message || "";
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const detail = body && body.detail ? `${body.code}: ${body.detail}` : `HTTP ${response.status}`;
    const error = new Error(detail);
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return body;
}

function show(...nodes) {
  const view = document.getElementById("view");
  view.replaceChildren(...nodes.filter((node) => node !== null && node !== undefined && node !== false));
}

async function diagram(params) {
  const box = h("div", { class: "diagram" }, "drawing…");
  try {
    box.innerHTML = await api(`/ui/api/diagram?${new URLSearchParams(params)}`);
  } catch (error) {
    box.textContent = `no diagram: ${error.message}`;
  }
  return box;
}

// ---- definitions

async function definitionsPage() {
  const { definitions } = await api("/definitions");
  const latest = new Map();
  for (const item of definitions) latest.set(item.id, item);
  const rows = [...latest.values()].map((item) => h("tr", {},
    h("td", {}, link(`#/definitions/${enc(item.id)}`, item.id)),
    h("td", {}, item.name || ""), h("td", {}, item.version || ""),
    h("td", {}, item.scheduled ? "scheduled" : ""), h("td", {}, item.updated_at)));
  show(h("h1", {}, "Definitions"),
    rows.length ? h("table", { id: "definitions" },
      h("tr", {}, ["id", "name", "version", "schedule", "updated"].map((t) => h("th", {}, t))), rows)
      : h("p", {}, "Nothing deployed yet: POST a workflow to /definitions, or start swengine serve beside specs/."));
}

function sourceView(text, problems) {
  const byLine = new Map();
  for (const problem of problems) if (problem.line) byLine.set(problem.line, problem);
  return h("div", { class: "source" }, text.split("\n").map((line, index) => {
    const problem = byLine.get(index + 1);
    const kind = problem ? (problem.severity === "warning" ? "warning" : "problem") : null;
    return h("div", { class: kind, title: problem ? `${problem.code}: ${problem.message}` : null }, line || " ");
  }));
}

async function definitionPage(id, version) {
  const detail = await api(`/definitions/${enc(id)}${version ? `?version=${enc(version)}` : ""}`);
  const { definitions: versions } = await api(`/definitions?id=${enc(id)}`);
  const checked = await api("/definitions/validate", {
    method: "POST", body: detail.source, headers: { "content-type": detail.media_type },
  });
  const problems = checked.problems || [];
  const input = h("textarea", { id: "start-input", rows: 6 }, "{}");
  const correlation = h("textarea", { id: "start-correlation", rows: 2, placeholder: "{\"requestid\": \"r-1\"}" });
  async function startInstance(event) {
    event.preventDefault();
    try {
      const body = { definition: id, version: detail.version, input: JSON.parse(input.value || "{}") };
      if (correlation.value.trim()) body.correlation = JSON.parse(correlation.value);
      const started = await api("/instances", {
        method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" },
      });
      location.hash = `#/instances/${enc(started.instance_id)}`;
    } catch (error) { notice(`could not start: ${error.message}`); }
  }
  show(
    h("h1", {}, `${detail.name || id} `, h("small", {}, `${id} ${detail.version || ""}`)),
    h("div", { class: "row" },
      h("section", {}, h("h2", {}, "Diagram"), await diagram({ definition: id, version: detail.version || "" })),
      h("section", {},
        h("h2", {}, "Start an instance"),
        h("form", { onsubmit: startInstance },
          h("label", {}, "Input (JSON)", input), h("label", {}, "Correlation (JSON, optional)", correlation),
          h("button", { type: "submit", id: "start" }, "Start")),
        h("h2", {}, "Versions"),
        h("ul", {}, versions.map((v) => h("li", {},
          link(`#/definitions/${enc(id)}?version=${enc(v.version || "")}`, v.version || "(none)"),
          ` deployed ${v.updated_at}`))),
        h("p", {}, link(`#/instances?definition=${enc(id)}`, "Its instances")))),
    h("h2", {}, "Source"),
    problems.length ? h("ul", { class: "problems" }, problems.map((p) =>
      h("li", { class: p.severity }, `${p.line || "?"}:${p.column || "?"} ${p.severity} ${p.code}: ${p.message}`)))
      : h("p", {}, "No problems."),
    sourceView(detail.source, problems));
}

// ---- instances

async function instancesPage(params) {
  const query = new URLSearchParams();
  for (const key of ["definition", "status"]) if (params.get(key)) query.set(key, params.get(key));
  const [{ instances }, { definitions }] = await Promise.all([
    api(`/instances?${query}`), api("/definitions")]);
  const ids = [...new Set(definitions.map((d) => d.id))];
  const definition = h("select", { name: "definition" }, h("option", { value: "" }, "any definition"),
    ids.map((id) => h("option", { value: id, selected: params.get("definition") === id }, id)));
  const status = h("select", { name: "status" }, h("option", { value: "" }, "any status"),
    STATUSES.map((s) => h("option", { value: s, selected: params.get("status") === s }, s)));
  function filter(event) {
    event.preventDefault();
    const chosen = new URLSearchParams();
    if (definition.value) chosen.set("definition", definition.value);
    if (status.value) chosen.set("status", status.value);
    location.hash = `#/instances?${chosen}`;
  }
  show(h("h1", {}, "Instances"),
    h("form", { onsubmit: filter }, definition, " ", status, " ", h("button", { type: "submit" }, "Filter")),
    h("table", { id: "instances" },
      h("tr", {}, ["instance", "definition", "status", "started", "closed"].map((t) => h("th", {}, t))),
      instances.map((item) => h("tr", {},
        h("td", {}, link(`#/instances/${enc(item.instance_id)}`, item.instance_id)),
        h("td", {}, item.definition || ""), h("td", {}, statusBadge(item.status)),
        h("td", {}, item.started_at || ""), h("td", {}, item.closed_at || "")))));
}

function waitingView(waits) {
  if (!waits || !waits.length) return h("p", {}, "Not waiting for an event.");
  return h("ul", { id: "waiting-for" }, waits.map((wait) => h("li", {},
    `${wait.state}: `,
    wait.events.map((e) => {
      const correlation = Object.entries(e.correlation || {}).map(([k, v]) => `${k}=${v === null ? "any" : v}`);
      return `${e.type}${e.source ? ` from ${e.source}` : ""}${correlation.length ? ` (${correlation.join(", ")})` : ""}`;
    }).join(" or "),
    wait.deadline ? ` until ${wait.deadline}` : " (no deadline)")));
}

async function instancePage(id) {
  const detail = await api(`/instances/${enc(id)}`);
  const running = detail.status === "running";
  const event = h("textarea", { id: "instance-event", rows: 8 }, json(Object.assign({}, EVENT_TEMPLATE, { id: newId() })));
  async function act(path, what) {
    try { await api(`/instances/${enc(id)}/${path}`, { method: "POST" }); notice(""); route(); }
    catch (error) { notice(`${what} failed: ${error.message}`); }
  }
  async function send(submitted) {
    submitted.preventDefault();
    try {
      await api(`/instances/${enc(id)}/events`, {
        method: "POST", body: event.value, headers: { "content-type": "application/cloudevents+json" },
      });
      notice(""); route();
    } catch (error) { notice(`could not send: ${error.message}`); }
  }
  show(
    h("h1", {}, `Instance ${id} `, statusBadge(detail.status)),
    h("p", {}, "Definition: ", detail.definition ? link(`#/definitions/${enc(detail.definition.id)}`,
      `${detail.definition.id} ${detail.definition.version || ""}`) : "?",
      " · current state: ", h("strong", { id: "current-state" }, detail.current_state || "-"),
      detail.suspended ? h("strong", { id: "suspended" }, " · suspended") : "",
      ` · started ${detail.started_at || "?"}`, detail.closed_at ? ` · closed ${detail.closed_at}` : ""),
    detail.error ? h("p", { id: "error", class: "status failed" }, `${detail.error.code}: ${detail.error.message}`) : null,
    h("div", { class: "row" },
      h("section", {}, h("h2", {}, "Diagram"), await diagram({ instance: id })),
      h("section", {},
        h("h2", {}, "Waiting for"), waitingView(detail.waiting_for),
        h("h2", {}, "States"),
        h("table", { id: "steps" }, (detail.steps || []).map((s) =>
          h("tr", {}, h("td", {}, s.state), h("td", {}, s.outcome), h("td", {}, s.error || "")))),
        running ? h("p", {},
          detail.suspended
            ? h("button", { id: "resume", onclick: () => act("resume", "resume") }, "Resume")
            : h("button", { id: "suspend", onclick: () => act("suspend", "suspend") }, "Suspend"),
          h("button", { id: "cancel", onclick: () => act("cancel", "cancel") }, "Cancel"),
          h("button", { id: "terminate", onclick: () => act("terminate", "terminate") }, "Terminate")) : null)),
    h("h2", {}, "Data"), h("pre", { id: "data" }, json(detail.data)),
    h("h2", {}, `Events received and not consumed: ${detail.pending_events ?? 0}; produced`),
    h("pre", {}, json(detail.produced_events || [])),
    running ? h("section", {}, h("h2", {}, "Send an event to this instance"),
      h("form", { onsubmit: send }, event, h("br"), h("button", { type: "submit" }, "Send"))) : null);
  if (running) refresh = setTimeout(route, 2000);
}

// ---- events

function eventsPage() {
  const event = h("textarea", { id: "event", rows: 12 }, json(Object.assign({}, EVENT_TEMPLATE, { id: newId() })));
  const result = h("pre", { id: "event-result" });
  async function send(submitted) {
    submitted.preventDefault();
    try {
      const answer = await api("/events", {
        method: "POST", body: event.value, headers: { "content-type": "application/cloudevents+json" },
      });
      result.textContent = json(answer);
      notice(answer.unrouted && answer.unrouted.length
        ? "No instance received this event and no definition started on it." : "");
    } catch (error) { notice(`could not send: ${error.message}`); }
  }
  show(h("h1", {}, "Send a CloudEvent"),
    h("p", {}, "Routed like any event: to waiting instances with matching type and correlation, and to definitions that start on it."),
    h("form", { onsubmit: send }, event, h("br"), h("button", { type: "submit", id: "send" }, "Send")),
    h("h2", {}, "What happened"), result);
}

// ---- routing

async function route() {
  clearTimeout(refresh);
  const [path, search] = (location.hash.slice(1) || "/definitions").split("?");
  const params = new URLSearchParams(search || "");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === "definitions" && parts.length > 1) await definitionPage(parts.slice(1).join("/"), params.get("version"));
    else if (parts[0] === "instances" && parts.length > 1) await instancePage(parts.slice(1).join("/"));
    else if (parts[0] === "instances") await instancesPage(params);
    else if (parts[0] === "events") eventsPage();
    else await definitionsPage();
  } catch (error) {
    if (error.status === 401) {
      notice("This server needs a bearer token: enter it above.");
      show(h("p", {}, "Not signed in."));
    } else {
      notice(error.message);
    }
  }
}

document.getElementById("token").value = sessionStorage.getItem(TOKEN_KEY) || "";
document.getElementById("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
  notice("");
  route();
});
window.addEventListener("hashchange", route);
route();
