// What the server's own pages (the administrators' console, the CRM page) share: calling the
// API with the page's session cookie, the status line, a form's field errors, the theme
// toggle and the tabs. Plain ES2020, no dependencies.

export const $ = (selector) => document.querySelector(selector);

/// A failed API call: the status and the body's error (`code`, `message`, `field`).
export class ApiFailure extends Error {
  constructor(status, body) {
    super((body && body.message) || `the server answered ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.field = body && body.field;
  }
}

/// A same-origin call of the API (the browser sends the session cookie and the Origin the
/// server checks on changes); the JSON answer, `null` for 204.
export async function api(path, { method = "GET", body } = {}) {
  const init = { method, credentials: "same-origin", headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiFailure(response.status, data);
  return data;
}

/// The status line (read by screen readers: `role="status"`).
export function say(text, kind = "") {
  const status = $("#status");
  status.textContent = text;
  status.className = `status ${kind}`;
}

/// Puts a field's own error beside it (and the focus there); whether the form had that field.
export function fieldError(form, error) {
  if (!form || !error.field) return false;
  const input = form.querySelector(`[name="${CSS.escape(error.field)}"]`);
  const slot = input && form.querySelector(`#${CSS.escape(`${input.id}-error`)}`);
  if (!slot) return false;
  input.setAttribute("aria-invalid", "true");
  slot.textContent = error.message;
  input.focus();
  return true;
}

export function clearErrors(form) {
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  form.querySelectorAll(".field-error").forEach((el) => { el.textContent = ""; });
}

/// The signed-in person (`/api/admin/me`), named in the bar, with Sign out wired to end the
/// session and `signedOut()` the page; a failure is the caller's (401: not signed in).
export async function signedIn(signedOut) {
  $("#sign-out").addEventListener("click", async () => {
    try { await api("/api/admin/session", { method: "DELETE" }); } catch (_) { /* signed out already */ }
    signedOut();
    $("#who").textContent = "";
    $("#sign-out").hidden = true;
    say("Signed out.");
  });
  const me = await api("/api/admin/me");
  $("#who").textContent = `${me.displayName} (${me.mailbox})`;
  $("#sign-out").hidden = false;
  return me;
}

/// The theme toggle: the system's theme first, then the person's choice.
export function setUpTheme() {
  const button = $("#theme");
  const apply = (dark) => {
    document.documentElement.dataset.theme = dark ? "dark" : "light";
    button.setAttribute("aria-pressed", String(dark));
  };
  apply(window.matchMedia("(prefers-color-scheme: dark)").matches);
  button.addEventListener("click", () => apply(button.getAttribute("aria-pressed") !== "true"));
}

/// The page's tabs (WAI-ARIA tabs pattern, automatic activation: arrow keys, Home, End);
/// `selected(tab)` after each selection.
export function setUpTabs(selected) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab, focus) => {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      $(`#${other.getAttribute("aria-controls")}`).hidden = !on;
    }
    if (focus) tab.focus();
    selected(tab);
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (event) => {
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      select(tabs[(next + tabs.length) % tabs.length], true);
    });
  });
}
