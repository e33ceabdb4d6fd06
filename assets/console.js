// The administrators' console: one page over the administrators' API (`/api/admin/*`).
// Its session is in an HttpOnly cookie this script never sees; every request is same-origin,
// and the browser adds the Origin header the server checks on changes. Plain ES2020, no
// dependencies: the page is served by the server binary itself.

import { $, api, ApiFailure, say, fieldError, clearErrors, setUpTheme, setUpTabs, signedIn } from "./page.js";

const COLOURS = ["Red", "Orange", "Brown", "Yellow", "Green", "Teal", "Olive", "Blue", "Purple",
  "Cranberry", "Steel", "Dark steel", "Gray", "Dark gray", "Black", "Dark red", "Dark orange",
  "Dark brown", "Dark yellow", "Dark green", "Dark teal", "Dark olive", "Dark blue",
  "Dark purple", "Dark cranberry"];

/// Shows a failure: a field's own message beside it (and focus there), others in the status.
function failed(error, form) {
  if (error.status === 401) return show("signed-out");
  if (error.status === 403 && error.code === "admin_required") return show("not-admin");
  fieldError(form, error);
  say(`Not done: ${error.message}`, "error");
}

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const shown = (iso) => (iso ? when.format(new Date(iso)) : "—");

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text === undefined || text === null || text === "" ? "—" : String(text);
  if (className) td.className = className;
  row.append(td);
  return td;
}

function show(view) {
  $("#loading").hidden = true;
  for (const id of ["signed-out", "not-admin", "console"]) $(`#${id}`).hidden = id !== view;
}

// Tabs: each loads its panel when selected.
const loaders = {};

// Settings.
async function loadSettings() {
  const form = $("#settings-form");
  const select = $("#crmCategoryColor");
  if (!select.options.length) {
    select.append(new Option("None", "None"));
    COLOURS.forEach((name, n) => select.append(new Option(`${name} (Preset${n})`, `Preset${n}`)));
  }
  try {
    const settings = await api("/api/admin/settings");
    form.crmCategoryName.value = settings.crmCategoryName;
    select.value = settings.crmCategoryColor;
    form.syncIntervalMinutes.value = settings.syncIntervalMinutes;
    form.syncedDaysBack.value = settings.syncedDaysBack;
    form.syncedDaysAhead.value = settings.syncedDaysAhead;
    form.breakerThresholdPercent.value = settings.breakerThresholdPercent;
    form.instaSync.checked = settings.instaSync;
    form.autoLinkPolicy.value = settings.autoLinkPolicy;
    form.autoLinkBlockedDomains.value = (settings.autoLinkBlockedDomains || []).join("\n");
  } catch (error) { failed(error); }
}

async function saveSettings(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  // A number field left empty or not a whole number is sent as -1: the server names it.
  const whole = (input) => {
    const n = Number(input.value);
    return input.value.trim() !== "" && Number.isInteger(n) ? n : -1;
  };
  const body = {
    crmCategoryName: form.crmCategoryName.value,
    crmCategoryColor: form.crmCategoryColor.value,
    instaSync: form.instaSync.checked,
    syncIntervalMinutes: whole(form.syncIntervalMinutes),
    syncedDaysBack: whole(form.syncedDaysBack),
    syncedDaysAhead: whole(form.syncedDaysAhead),
    breakerThresholdPercent: whole(form.breakerThresholdPercent),
    autoLinkPolicy: form.autoLinkPolicy.value,
    autoLinkBlockedDomains: form.autoLinkBlockedDomains.value.split(/\s+/).filter(Boolean),
  };
  try {
    await api("/api/admin/settings", { method: "PUT", body });
    say("Settings saved. They apply from each Organizer's next sync session.", "ok");
  } catch (error) { failed(error, form); }
}

// People.
let peopleCursor = null;
async function loadPeople(more = false) {
  const tbody = $("#people-table tbody");
  if (!more) { tbody.textContent = ""; peopleCursor = null; }
  const query = new URLSearchParams({ limit: "100" });
  if ($("#people-attention").checked) query.set("attention", "true");
  if (more && peopleCursor) query.set("cursor", peopleCursor);
  try {
    const page = await api(`/api/admin/users?${query}`);
    for (const user of page.users) {
      const row = tbody.insertRow();
      const who = cell(row, "");
      who.textContent = "";
      const name = document.createElement("strong");
      name.textContent = user.displayName || user.mailbox;
      who.append(name, document.createElement("br"), user.mailbox);
      if (user.needsAttention) {
        const flag = document.createElement("span");
        flag.className = "attention";
        flag.textContent = " · needs attention";
        who.append(flag);
      }
      const o = user.organizer;
      cell(row, o.syncStopped ? "stopped" : o.syncEnabled ? "on" : "off", o.syncStopped ? "attention" : "");
      cell(row, o.connection.replace("_", " "), o.connection === "needs_reconnect" ? "attention" : "");
      cell(row, o.lastSessionAt
        ? `${shown(o.lastSessionAt)}${o.lastErrorCode ? ` — ${o.lastError || o.lastErrorCode}` : " — ok"}`
        : "never", o.lastErrorCode ? "attention" : "");
      cell(row, o.failedItems, o.failedItems ? "num attention" : "num");
      cell(row, user.delegateOf.map((d) =>
        `${d.owner}: ${d.level}, verified ${shown(d.verifiedAt)}${d.conflict ? " (sources disagree)" : ""}`).join("\n"));
    }
    peopleCursor = page.nextCursor || null;
    $("#people-more").hidden = !peopleCursor;
    say(`${tbody.rows.length} people shown.`);
  } catch (error) { failed(error); }
}

// Sync.
let sessionsBefore = null;
async function loadSync(more = false) {
  const tbody = $("#sessions-table tbody");
  if (!more) { tbody.textContent = ""; sessionsBefore = null; }
  const query = new URLSearchParams({ limit: "50" });
  if (more && sessionsBefore) query.set("before", sessionsBefore);
  try {
    const overview = await api(`/api/admin/sync?${query}`);
    if (!more) renderStopped(overview.stopped);
    for (const s of overview.sessions) {
      const row = tbody.insertRow();
      cell(row, s.organizer);
      cell(row, shown(s.startedAt));
      cell(row, `${(s.durationMs / 1000).toFixed(1)} s`, "num");
      cell(row, s.eventsIn, "num");
      cell(row, s.eventsOut, "num");
      cell(row, s.graphRequests, "num");
      cell(row, s.throttled, "num");
      cell(row, `${s.result}${s.fullRound ? " (full)" : ""}${s.tookOverLease ? " (taken over)" : ""}`,
        s.result === "ok" ? "ok" : "attention");
    }
    sessionsBefore = overview.nextBefore || null;
    $("#sessions-more").hidden = !sessionsBefore;
  } catch (error) { failed(error); }
}

function renderStopped(stopped) {
  const list = $("#stopped");
  list.textContent = "";
  if (!stopped.length) {
    const li = document.createElement("li");
    li.textContent = "None: every Organizer's sync runs.";
    list.append(li);
    return;
  }
  for (const job of stopped) {
    const li = document.createElement("li");
    const text = document.createElement("span");
    text.textContent = `${job.organizer}, stopped ${shown(job.stoppedAt)}${job.message ? `: ${job.message}` : ""}`;
    const resume = document.createElement("button");
    resume.type = "button";
    resume.textContent = "Resume";
    resume.setAttribute("aria-label", `Resume the sync of ${job.organizer}`);
    resume.addEventListener("click", async () => {
      resume.disabled = true;
      try {
        await api(`/api/admin/sync/${encodeURIComponent(job.organizer)}/resume`, { method: "POST" });
        say(`The sync of ${job.organizer} runs again.`, "ok");
        await loadSync();
        $("#stopped").querySelector("li")?.focus?.();
      } catch (error) { resume.disabled = false; failed(error); }
    });
    li.append(text, resume);
    list.append(li);
  }
}

// Audit log.
let auditBefore = null;
function auditQuery() {
  const form = $("#audit-form");
  const query = new URLSearchParams();
  for (const name of ["actor", "onBehalfOf", "target", "action", "outcome"]) {
    const value = form[name].value.trim();
    if (value) query.set(name, value);
  }
  for (const name of ["from", "to"]) {
    if (form[name].value) query.set(name, new Date(form[name].value).toISOString());
  }
  return query;
}

async function loadAudit(more = false) {
  const tbody = $("#audit-table tbody");
  const query = auditQuery();
  for (const [id, format] of [["#export-csv", "csv"], ["#export-jsonl", "jsonl"]]) {
    const exported = new URLSearchParams(query);
    exported.set("format", format);
    $(id).href = `/api/admin/audit?${exported}`;
  }
  if (!more) { tbody.textContent = ""; auditBefore = null; }
  query.set("limit", "100");
  if (more && auditBefore) query.set("before", auditBefore);
  clearErrors($("#audit-form"));
  try {
    const page = await api(`/api/admin/audit?${query}`);
    for (const line of page.lines) {
      const row = tbody.insertRow();
      cell(row, shown(line.at));
      cell(row, line.allowed ? "allowed" : "refused", line.allowed ? "allowed" : "refused");
      cell(row, line.actor);
      cell(row, line.onBehalfOf);
      cell(row, line.action);
      cell(row, line.target);
      cell(row, line.reason);
      cell(row, line.detail);
    }
    auditBefore = page.nextBefore || null;
    $("#audit-more").hidden = !auditBefore;
    say(`${tbody.rows.length} audit lines shown.`);
  } catch (error) { failed(error, $("#audit-form")); }
}

// Why can't this delegate…?
async function diagnose(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  const out = $("#diagnosis");
  out.textContent = "";
  const query = new URLSearchParams({
    delegate: form.delegate.value.trim(),
    owner: form.owner.value.trim(),
    itemId: form.itemId.value.trim(),
  });
  try {
    const diagnosis = await api(`/api/admin/diagnose?${query}`);
    const p = diagnosis.context.permissions;
    const heading = document.createElement("h3");
    heading.textContent = `${diagnosis.delegate} on ${diagnosis.context.owner.mailbox}'s item: ${p.level}`;
    out.append(heading);
    if (diagnosis.context.notice) {
      const notice = document.createElement("p");
      notice.textContent = diagnosis.context.notice;
      out.append(notice);
    }
    const list = document.createElement("dl");
    list.className = "verdicts";
    for (const [action, verdict] of Object.entries(p.actions)) {
      const dt = document.createElement("dt");
      dt.textContent = action;
      const dd = document.createElement("dd");
      dd.className = verdict.allowed ? "allowed" : "refused";
      dd.textContent = verdict.allowed ? "allowed" : `refused — ${verdict.message || verdict.reason}`;
      list.append(dt, dd);
    }
    out.append(list);
  } catch (error) {
    if (error.field && !form.querySelector(`[name="${CSS.escape(error.field)}"]`)) {
      error.field = null;
    }
    failed(error, form);
  }
}

// Deploy.
async function loadDeploy() {
  try {
    const deployment = await api("/api/admin/deploy");
    $("#manifest-xml").href = deployment.manifestXmlUrl;
    $("#manifest-json").href = deployment.manifestJsonUrl;
    $("#app-package").href = deployment.appPackageUrl;
    $("#consent-link").href = deployment.consentUrl;
    const tbody = $("#scopes-table tbody");
    tbody.textContent = "";
    for (const scope of deployment.scopes) {
      const row = tbody.insertRow();
      cell(row, `${scope.scope} (${scope.provider === "google" ? "Google" : "Microsoft"})`);
      cell(row, scope.allows);
      cell(row, scope.why);
      cell(row, scope.adminOnly ? "an administrator" : "each person, or an administrator for everyone");
    }
  } catch (error) { failed(error); }
}


// CRM records: a CSV import (a dry run first) and its report.
async function importRecords(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  const file = form.body.files[0];
  const report = $("#import-report");
  report.textContent = "";
  if (!file) {
    $("#import-file-error").textContent = "Choose a CSV file.";
    form.body.setAttribute("aria-invalid", "true");
    return form.body.focus();
  }
  const query = new URLSearchParams({ kind: form.kind.value, dryRun: String(form.dryRun.checked) });
  say(form.dryRun.checked ? "Checking the file…" : "Importing…");
  try {
    const response = await fetch(`/api/admin/crm/import?${query}`, {
      method: "POST", credentials: "same-origin", body: file,
      headers: { accept: "application/json", "content-type": "text/csv" },
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiFailure(response.status, data);
    const verb = data.dryRun ? "would be" : "were";
    const summary = document.createElement("p");
    summary.textContent = `${data.rows} rows: ${data.created} ${verb} created, ${data.updated} ${verb} updated, ` +
      `${data.rejected} refused.` + (data.ignoredColumns.length ? ` Columns left out: ${data.ignoredColumns.join(", ")}.` : "");
    report.append(summary);
    if (data.errors.length) {
      const table = document.createElement("table");
      table.innerHTML = "<caption>Rows refused</caption><thead><tr><th scope=\"col\">Line</th>" +
        "<th scope=\"col\">Field</th><th scope=\"col\">Why</th></tr></thead><tbody></tbody>";
      for (const error of data.errors) {
        const row = table.tBodies[0].insertRow();
        for (const value of [error.line, error.field, error.message]) row.insertCell().textContent = value;
      }
      const wrap = document.createElement("div");
      wrap.className = "table-wrap";
      wrap.append(table);
      report.append(wrap);
    }
    say(data.dryRun ? "Dry run done: nothing was written." : "Import done.", "ok");
  } catch (error) {
    if (error.field === "body" || error.field === "Content-Type") error.field = "body";
    failed(error, form);
  }
}

// Webhooks.
function button(text, label, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.setAttribute("aria-label", label);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try { await action(); } catch (error) { failed(error); } finally { b.disabled = false; }
  });
  return b;
}

function delivery(hook) {
  if (hook.attempts) {
    return `Failing: ${hook.lastError || "refused"} (${hook.attempts} attempts); next try ${shown(hook.nextAttemptAt)}`;
  }
  return hook.lastDeliveredAt ? `Delivered ${shown(hook.lastDeliveredAt)}` : "Nothing to deliver yet";
}

async function loadWebhooks() {
  const tbody = $("#webhooks-table tbody");
  try {
    const hooks = await api("/api/admin/crm/webhooks");
    tbody.textContent = "";
    if (!hooks.length) cell(tbody.insertRow(), "No webhooks yet.").colSpan = 4;
    for (const hook of hooks) {
      const row = tbody.insertRow();
      cell(row, hook.description ? `${hook.description} (${hook.url})` : hook.url);
      cell(row, delivery(hook));
      const letters = cell(row, String(hook.deadLetters));
      if (hook.deadLetters) {
        letters.append(" ", button("Show", `Show the dead letters of ${hook.url}`, () => showDeadLetters(hook)));
      }
      row.insertCell().append(button("Remove", `Remove the webhook to ${hook.url}`, async () => {
        if (!window.confirm(`Stop sending changes to ${hook.url}?`)) return;
        await api(`/api/admin/crm/webhooks/${encodeURIComponent(hook.id)}`, { method: "DELETE" });
        say("Webhook removed.", "ok");
        $("#dead-letters").textContent = "";
        await loadWebhooks();
      }));
    }
  } catch (error) { failed(error); }
}

async function showDeadLetters(hook) {
  const out = $("#dead-letters");
  const path = `/api/admin/crm/webhooks/${encodeURIComponent(hook.id)}/dead-letters`;
  const letters = await api(path);
  out.textContent = "";
  const heading = document.createElement("h4");
  heading.textContent = `Dead letters of ${hook.url}`;
  const list = document.createElement("ul");
  for (const letter of letters) {
    const li = document.createElement("li");
    li.textContent = `Changes ${letter.firstCursor}–${letter.lastCursor}, refused ${shown(letter.failedAt)}: ` +
      `${letter.lastError} (${letter.attempts} attempts) `;
    li.append(button("Send again", `Send changes ${letter.firstCursor} to ${letter.lastCursor} again`, async () => {
      await api(`${path}/${encodeURIComponent(letter.id)}/replay`, { method: "POST" });
      say("Delivered: the dead letter is gone.", "ok");
      await loadWebhooks();
      await showDeadLetters(hook);
    }));
    list.append(li);
  }
  out.append(heading, list);
  heading.tabIndex = -1;
  heading.focus();
}

async function addWebhook(event) {
  event.preventDefault();
  const form = event.target;
  clearErrors(form);
  try {
    const created = await api("/api/admin/crm/webhooks", {
      method: "POST",
      body: { url: form.url.value.trim(), description: form.description.value.trim() },
    });
    const out = $("#webhook-secret");
    out.textContent = "Its signing secret (copy it now: it is not shown again): ";
    const code = document.createElement("code");
    code.id = "webhook-secret-value";
    code.textContent = created.secret;
    out.append(code);
    form.reset();
    say("Webhook added: it receives every change from now on.", "ok");
    await loadWebhooks();
  } catch (error) { failed(error, form); }
}

// Booking links.
async function loadBookingLinks() {
  const tbody = $("#booking-table tbody");
  try {
    const { links } = await api("/api/admin/booking-links");
    tbody.textContent = "";
    if (!links.length) cell(tbody.insertRow(), "No booking links yet.").colSpan = 6;
    for (const link of links) {
      const row = tbody.insertRow();
      row.dataset.link = link.id;
      cell(row, link.organizer.displayName);
      const initiator = link.initiator.mailbox === link.organizer.mailbox
        ? link.initiator.displayName
        : `${link.initiator.displayName}, on behalf of ${link.organizer.displayName}`;
      cell(row, initiator);
      cell(row, link.subject);
      cell(row, link.state === "active" ? `Active until ${shown(link.expiresAt)}` : link.state);
      cell(row, String(link.bookings));
      const actions = row.insertCell();
      if (link.state === "active") {
        actions.append(button("Withdraw", `Withdraw ${initiator}'s link to ${link.organizer.displayName}'s calendar`, async () => {
          await api(`/api/admin/booking-links/${encodeURIComponent(link.id)}`, { method: "DELETE" });
          say("Link withdrawn: its page now says so.", "ok");
          await loadBookingLinks();
        }));
      }
    }
  } catch (error) { failed(error); }
}

async function start() {
  setUpTheme();
  setUpTabs((tab) => loaders[tab.id] && loaders[tab.id]());
  loaders["tab-settings"] = loadSettings;
  loaders["tab-people"] = () => loadPeople();
  loaders["tab-sync"] = () => loadSync();
  loaders["tab-audit"] = () => loadAudit();
  loaders["tab-deploy"] = loadDeploy;
  loaders["tab-records"] = loadWebhooks;
  loaders["tab-booking"] = loadBookingLinks;
  $("#settings-form").addEventListener("submit", saveSettings);
  $("#people-attention").addEventListener("change", () => loadPeople());
  $("#people-more").addEventListener("click", () => loadPeople(true));
  $("#sessions-more").addEventListener("click", () => loadSync(true));
  $("#audit-form").addEventListener("submit", (event) => { event.preventDefault(); loadAudit(); });
  $("#audit-more").addEventListener("click", () => loadAudit(true));
  $("#diagnose-form").addEventListener("submit", diagnose);
  $("#import-form").addEventListener("submit", importRecords);
  $("#webhook-form").addEventListener("submit", addWebhook);
  try {
    const me = await signedIn(() => show("signed-out"));
    if (!me.isAdmin) return show("not-admin");
    show("console");
    await loadSettings();
  } catch (error) { failed(error); }
}

start();
