// The CRM page: the records a person may see, each with its timeline of meetings, and the
// Organizers' CRM calendars shared with them — outside Outlook, in an ordinary browser. Its
// session is the console's HttpOnly cookie (this script never sees it); every request is
// same-origin. Plain ES2020, no dependencies: the page is served by the server binary itself.

import { $, api, say, fieldError, clearErrors, setUpTheme, setUpTabs, signedIn } from "./page.js";

const KINDS = { contact: "Contact", account: "Account", lead: "Lead", opportunity: "Opportunity" };

function show(view) {
  $("#loading").hidden = true;
  for (const id of ["signed-out", "crm"]) $(`#${id}`).hidden = id !== view;
}

function failed(error, form) {
  if (error.status === 401) return show("signed-out");
  fieldError(form, error);
  say(`Not done: ${error.message}`, "error");
}

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
/// A meeting's time: an instant in the reader's zone, or an all-day date as it is.
function shownTime(text) {
  if (!text) return "—";
  return text.length === 10 ? day.format(new Date(`${text}T00:00:00Z`)) : when.format(new Date(text));
}

/// One meeting as a timeline line: when, what, who saved it (on whose behalf), the records.
function meetingLine(meeting, organizer) {
  const li = document.createElement("li");
  li.dataset.event = meeting.eventId;
  const title = document.createElement("strong");
  title.textContent = meeting.subject + (meeting.cancelled ? " (cancelled)" : "");
  const time = document.createElement("span");
  time.className = "when";
  time.textContent = `${shownTime(meeting.start)}: `;
  const saved = document.createElement("span");
  saved.className = "saved";
  const whose = meeting.onBehalfOf || organizer;
  saved.textContent = meeting.syncedByCategory
    ? ` — synced from ${whose}'s calendar by its category, ${shownTime(meeting.savedAt)}`
    : ` — saved by ${meeting.savedBy}${meeting.onBehalfOf ? ` on behalf of ${meeting.onBehalfOf}` : ""}, ${shownTime(meeting.savedAt)}`;
  li.append(time, title, saved);
  if (meeting.records && meeting.records.length) {
    const records = document.createElement("span");
    records.className = "records";
    records.textContent = ` — ${meeting.records.map((r) => `${r.name} (${KINDS[r.kind] || r.kind})`).join(", ")}`;
    li.append(records);
  }
  return li;
}

// Records.
let searchCursor = null;
async function search(more = false) {
  const form = $("#search-form");
  clearErrors(form);
  const query = new URLSearchParams({ q: form.q.value.trim(), kind: form.kind.value, limit: "50" });
  if (more && searchCursor) query.set("cursor", searchCursor);
  const tbody = $("#records-table tbody");
  try {
    const page = await api(`/api/crm/records?${query}`);
    if (!more) tbody.textContent = "";
    for (const record of page.records) {
      const row = tbody.insertRow();
      const name = row.insertCell();
      const open = document.createElement("button");
      open.type = "button";
      open.className = "link";
      open.textContent = record.name;
      open.addEventListener("click", () => openRecord(record.id));
      name.append(open);
      for (const text of [KINDS[record.kind] || record.kind, record.email, record.company]) {
        row.insertCell().textContent = text || "—";
      }
    }
    if (!tbody.rows.length) {
      const cell = tbody.insertRow().insertCell();
      cell.colSpan = 4;
      cell.textContent = "No records match.";
    }
    searchCursor = page.nextCursor || null;
    $("#records-more").hidden = !searchCursor;
    say(`${tbody.rows.length} records shown.`);
  } catch (error) { failed(error, form); }
}

let timeline = { id: null, cursor: null };
async function openRecord(id) {
  try {
    const record = await api(`/api/crm/records/${encodeURIComponent(id)}`);
    $("#record").hidden = false;
    const title = $("#record-title");
    title.textContent = `${record.name} (${KINDS[record.kind] || record.kind})`;
    const fields = $("#record-fields");
    fields.textContent = "";
    const lines = [
      ["E-mail", record.emails.join(", ")], ["Phone", record.phone], ["Company", record.company],
      ["Domain", record.domain], ["Stage", record.stage], ["Status", record.status],
      ["Amount", record.amount ? `${record.amount} ${record.currency || ""}` : ""],
      ["Close date", record.closeDate], ["Owner", `${record.owner.displayName} (${record.owner.mailbox})`],
    ];
    for (const [term, value] of lines) {
      if (!value) continue;
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      fields.append(dt, dd);
    }
    timeline = { id, cursor: null };
    $("#timeline").textContent = "";
    await loadTimeline();
    title.focus();
  } catch (error) { failed(error); }
}

async function loadTimeline() {
  const query = new URLSearchParams({ limit: "50" });
  if (timeline.cursor) query.set("cursor", timeline.cursor);
  const page = await api(`/api/crm/records/${encodeURIComponent(timeline.id)}/events?${query}`);
  const list = $("#timeline");
  for (const meeting of page.events) list.append(meetingLine(meeting, meeting.organizer));
  if (!list.children.length) {
    const li = document.createElement("li");
    li.textContent = "No meetings saved with this record yet.";
    list.append(li);
  }
  timeline.cursor = page.nextCursor || null;
  $("#timeline-more").hidden = !timeline.cursor;
}

// CRM calendars.
const isoDay = (date) => date.toISOString().slice(0, 10);
async function loadCalendars() {
  const select = $("#calendar-mailbox");
  if (select.options.length) return;
  try {
    const calendars = await api("/api/crm/calendars");
    for (const c of calendars) {
      const label = c.access === "owner" ? `${c.displayName} (yours)` : `${c.displayName} (${c.access})`;
      select.append(new Option(label, c.mailbox));
    }
    const today = new Date();
    $("#calendar-from").value = isoDay(new Date(today.getTime() - 7 * 86400000));
    $("#calendar-to").value = isoDay(new Date(today.getTime() + 8 * 86400000));
    if (calendars.length) await showCalendar();
  } catch (error) { failed(error); }
}

async function showCalendar(event) {
  if (event) event.preventDefault();
  const form = $("#calendar-form");
  clearErrors(form);
  const query = new URLSearchParams({ from: form.from.value, to: form.to.value });
  try {
    const page = await api(`/api/crm/calendars/${encodeURIComponent(form.mailbox.value)}/events?${query}`);
    const title = $("#calendar-title");
    title.textContent = `${page.organizer.displayName}'s CRM calendar, ${page.from} to ${page.to}`;
    const list = $("#calendar-events");
    list.textContent = "";
    for (const meeting of page.events) list.append(meetingLine(meeting, page.organizer.mailbox));
    if (!page.events.length) {
      const li = document.createElement("li");
      li.textContent = "No meetings in the CRM in these days.";
      list.append(li);
    }
    say(page.truncated ? "Only the first 500 meetings are shown: choose fewer days." : `${page.events.length} meetings.`);
    if (event) title.focus();
  } catch (error) { failed(error, form); }
}

async function start() {
  setUpTheme();
  setUpTabs((tab) => { if (tab.id === "tab-calendars") loadCalendars(); });
  $("#search-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  $("#records-more").addEventListener("click", () => search(true));
  $("#timeline-more").addEventListener("click", () => loadTimeline().catch(failed));
  $("#calendar-form").addEventListener("submit", showCalendar);
  try {
    await signedIn(() => show("signed-out"));
    show("crm");
    await search();
  } catch (error) { failed(error); }
}

start();
