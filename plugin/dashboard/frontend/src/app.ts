// The dashboard page: hash routes, DOM built from the server's JSON (never innerHTML), live refresh on SSE.

type Json = any;

interface Session { user: string; groups: string[]; csrf: string; proxy: boolean }

const ACTIONS: [string, string][] = [
  ["promote", "Promote"], ["promote-full", "Promote full"], ["pause", "Pause"], ["resume", "Resume"],
  ["abort", "Abort"], ["retry", "Retry"], ["restart", "Restart"], ["undo", "Undo"],
];

let session: Session | null = null;
let namespaces: string[] = [];

function h(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string | null)[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, value);
  for (const child of children) if (child !== null) element.append(child);
  return element;
}

async function getJson(path: string): Promise<Json> {
  const response = await fetch(path, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) { location.href = "/login"; throw new Error("signed out"); }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function statusBadge(status: string): HTMLElement {
  return h("span", { class: `status status-${status.toLowerCase() || "unknown"}` }, status || "Unknown");
}

function route(): string[] {
  return location.hash.replace(/^#\/?/, "").split("/").filter((part) => part).map(decodeURIComponent);
}

function link(href: string, text: string, attrs: Record<string, string> = {}): HTMLElement {
  return h("a", { href, ...attrs }, text);
}

async function renderNav(): Promise<void> {
  namespaces = (await getJson("/api/namespaces")).namespaces;
  const nav = document.getElementById("nav")!;
  nav.replaceChildren(
    link("#/", "All rollouts", { id: "nav-all" }),
    link("#/attention", "Needs attention", { id: "nav-attention" }),
    ...namespaces.map((ns) => link(`#/ns/${encodeURIComponent(ns)}`, ns, { class: "ns", "data-namespace": ns })),
  );
}

async function renderList(filter: "all" | "attention", namespace?: string): Promise<HTMLElement> {
  const query = namespace ? `?namespace=${encodeURIComponent(namespace)}` : "";
  let rows: Json[] = (await getJson(`/api/rollouts${query}`)).rollouts;
  if (filter === "attention") rows = rows.filter((row) => row.attention);
  const title = filter === "attention" ? "Needs attention" : namespace ? `Namespace ${namespace}` : "All rollouts";
  const head = h("tr", {}, ...["Namespace", "Name", "Strategy", "Status", "Step", "Weight", "Ready", "Attention"].map((c) => h("th", {}, c)));
  const body = rows.map((row) => h("tr", { class: "rollout-row", "data-name": row.name, "data-namespace": row.namespace },
    h("td", {}, row.namespace),
    h("td", {}, link(`#/ro/${encodeURIComponent(row.namespace)}/${encodeURIComponent(row.name)}`, row.name)),
    h("td", {}, row.strategy), h("td", {}, statusBadge(row.status)), h("td", {}, row.step), h("td", {}, row.set_weight),
    h("td", {}, row.ready), h("td", { class: "attention" }, row.attention)));
  const empty = rows.length ? null : h("p", { class: "muted", id: "empty" }, filter === "attention" ? "Nothing needs attention." : "No rollouts you may see.");
  return h("section", { id: `list-${filter}` }, h("h1", {}, title), h("table", {}, h("thead", {}, head), h("tbody", {}, ...body)), empty);
}

function metricsTable(metrics: Json[]): HTMLElement | null {
  if (!metrics.length) return null;
  const head = h("tr", {}, ...["Metric", "Verdict", "Value", "Measurements", "Message"].map((c) => h("th", {}, c)));
  return h("table", { class: "metrics" }, h("thead", {}, head), h("tbody", {}, ...metrics.map((m) => h("tr", { class: "metric", "data-metric": m.name },
    h("td", {}, m.name), h("td", {}, statusBadge(m.phase)), h("td", { class: "value" }, m.value),
    h("td", {}, `${m.successful}✔ ${m.failed}✖ ${m.inconclusive}? ${m.error}⚠ of ${m.count}`), h("td", {}, m.message)))));
}

function replicaSetNode(rs: Json): HTMLElement {
  const pods = rs.pods.map((pod: Json) => h("li", { class: "pod" }, `${pod.icon} pod ${pod.name} `, statusBadge(pod.status), ` ready ${pod.ready} · restarts ${pod.restarts} · ${pod.age}`));
  const tags = rs.tags.map((tag: string) => h("span", { class: `tag tag-${tag}` }, tag));
  return h("li", { class: "replicaset", "data-name": rs.name }, `${rs.icon} ReplicaSet ${rs.name} `, ...tags, " ", statusBadge(rs.status),
    ` ${rs.available}/${rs.replicas} available · ${rs.age}`, pods.length ? h("ul", {}, ...pods) : null);
}

function runNode(run: Json): HTMLElement {
  return h("li", { class: "analysisrun", "data-name": run.name }, `${run.icon} AnalysisRun ${run.name} `, statusBadge(run.status), ` ${run.age}`, metricsTable(run.metrics || []));
}

function revisionNode(revision: Json): HTMLElement {
  const experiments = revision.experiments.map((exp: Json) => h("li", { class: "experiment" }, `${exp.icon} Experiment ${exp.name} `, statusBadge(exp.status),
    h("ul", {}, ...exp.replicasets.map(replicaSetNode), ...exp.analysis_runs.map(runNode))));
  return h("li", { class: "revision" }, h("strong", {}, `revision:${revision.number}`),
    h("ul", {}, ...revision.replicasets.map(replicaSetNode), ...experiments, ...revision.analysis_runs.map(runNode)));
}

async function act(namespace: string, name: string, action: string): Promise<void> {
  const flash = document.getElementById("flash")!;
  const response = await fetch(`/api/rollouts/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${action}`, {
    method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": session!.csrf, Accept: "application/json" },
  });
  const body = await response.json();
  flash.className = response.ok ? "flash ok" : "flash error";
  flash.textContent = response.ok ? body.message : `Refused: ${body.error}`;
}

async function renderDetail(namespace: string, name: string): Promise<HTMLElement> {
  const ro = await getJson(`/api/rollouts/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`);
  const buttons = ACTIONS.map(([action, label]) => {
    const button = h("button", { type: "button", id: `action-${action}`, class: "action" }, label);
    button.addEventListener("click", () => void act(namespace, name, action));
    return button;
  });
  const facts: [string, string][] = [["Namespace", ro.namespace], ["Strategy", ro.strategy], ["Step", ro.step], ["Set weight", ro.set_weight],
    ["Actual weight", ro.actual_weight], ["Replicas", `${ro.desired} desired · ${ro.current} current · ${ro.updated} updated · ${ro.ready} ready · ${ro.available} available`],
    ["Images", ro.images.map((i: Json) => `${i.image}${i.tags.length ? ` (${i.tags.join(", ")})` : ""}`).join("; ")]];
  return h("section", { id: "detail", "data-status": ro.status },
    h("h1", {}, `${ro.name} `, statusBadge(ro.status)),
    ro.message ? h("p", { class: "message", id: "message" }, ro.message) : null,
    ro.attention ? h("p", { class: "attention" }, `Needs attention: ${ro.attention}`) : null,
    h("div", { class: "actions" }, ...buttons), h("p", { id: "flash", class: "flash" }),
    h("dl", {}, ...facts.filter(([, v]) => v).flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    h("h2", {}, "Revisions"), h("ul", { class: "tree" }, ...ro.revisions.map(revisionNode)));
}

async function render(): Promise<void> {
  const [page, first, second] = route();
  const app = document.getElementById("app")!;
  const flash = document.getElementById("flash");
  const kept = flash ? flash.cloneNode(true) as HTMLElement : null;
  try {
    let view: HTMLElement;
    if (page === "ro" && first && second) view = await renderDetail(first, second);
    else if (page === "attention") view = await renderList("attention");
    else if (page === "ns" && first) view = await renderList("all", first);
    else view = await renderList("all");
    app.replaceChildren(view);
    const fresh = document.getElementById("flash");
    if (kept && fresh && page === "ro") fresh.replaceWith(kept);
  } catch (error) {
    app.replaceChildren(h("p", { class: "error", id: "error" }, String((error as Error).message)));
  }
}

function followChanges(): void {
  const live = document.getElementById("live")!;
  const events = new EventSource("/api/events");
  events.addEventListener("ready", () => { live.textContent = "live"; live.className = "live on"; });
  events.addEventListener("change", (event) => {
    const changed: string[] = JSON.parse((event as MessageEvent).data).namespaces;
    const [page, first] = route();
    if (changed.some((ns) => !namespaces.includes(ns))) void renderNav();
    if ((page === "ro" || page === "ns") && first && !changed.includes(first)) return;
    void render();
  });
  events.onerror = () => { live.textContent = "reconnecting…"; live.className = "live off"; };
}

async function start(): Promise<void> {
  session = await getJson("/api/session") as Session;
  document.getElementById("user")!.textContent = session.user;
  const signOut = document.getElementById("sign-out")!;
  if (session.proxy) signOut.remove();
  signOut.addEventListener("click", async () => {
    await fetch("/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": session!.csrf } });
    location.href = "/login";
  });
  await renderNav();
  window.addEventListener("hashchange", () => void render());
  await render();
  followChanges();
}

void start();
