// The simulated Outlook host: mailboxes, their calendars and the calendars they manage as
// delegates, and the add-in's task pane for the selected item. The Office.js stand-in inside
// the pane reads the host through `window.liaisonHost`, as Office.js reads Outlook.
//
// How Outlook opens an item: the organizer's own meetings — and, for a delegate who may edit
// them, the owner's — open in organizer (compose) mode; the rest in read (attendee) mode. The
// flavour switch picks where Outlook clients differ: Outlook on the web / the new Outlook
// (`categories.getAsync` gives `[]` without categories; categories cannot be managed in compose
// mode) or classic Outlook on Windows (`null`; compose mode may manage them).
(function () {
  "use strict";
  var world = null;
  var state = { user: null, item: null, dark: false, flavour: "web", idBug: "" };
  var FLAVOURS = {
    web: { emptyCategories: [], composeCategories: false },
    classic: { emptyCategories: null, composeCategories: true },
  };

  function tenant() { return world.tenants[0]; }
  function person(mail) { return tenant().users.find(function (u) { return u.mail === mail; }); }
  function grant(owner, delegate) {
    return tenant().delegations.find(function (d) { return d.owner === owner && d.delegate === delegate; });
  }
  function levelName(bits, onBehalf) {
    return { 63: "Editor", 23: "Author", 1: "Reviewer" }[bits] || (bits === 0 && onBehalf ? "Send on behalf" : "Custom");
  }

  // Whether `e` is another person's private item that the user may not see: Outlook shows it
  // as "Private appointment" with its times only, never its subject, place or people.
  function hidesPrivate(e) {
    if (e.calendar_owner === state.user || (e.sensitivity !== "private" && e.sensitivity !== "confidential")) return false;
    var g = grant(e.calendar_owner, state.user);
    return !(g && g.can_view_private);
  }

  // The item as the user may see it.
  function shown(e) {
    if (!hidesPrivate(e)) return e;
    return Object.assign({}, e, { subject: "Private appointment", location: "", attendees: [], categories: [] });
  }

  // Whether Outlook opens `e` in organizer (compose) mode for the signed-in user: the calendar's
  // owner organizes it and the user may edit it (the owner, an editor of everyone's items, or
  // an author of their own).
  function opensAsOrganizer(e) {
    if (e.compose) return true;
    if (e.organizer !== e.calendar_owner) return false;
    if (e.calendar_owner === state.user) return true;
    var g = grant(e.calendar_owner, state.user);
    if (!g) return false;
    return (g.calendar_bits & 32) !== 0 || ((g.calendar_bits & 16) !== 0 && e.created_by === state.user);
  }

  // What Office.js would answer for the selected item.
  window.liaisonHost = {
    profile: function () {
      var u = person(state.user);
      // Outlook gives Windows time zone names.
      return { displayName: u.display_name, emailAddress: u.mail, timeZone: "W. Europe Standard Time", accountType: "office365" };
    },
    item: function () {
      if (!state.item) return null;
      return Object.assign({}, shown(state.item), { compose: opensAsOrganizer(state.item) });
    },
    flavour: function () { return FLAVOURS[state.flavour]; },
    // A message's From field, and its body (HTML) being composed.
    from: function () {
      var p = person(state.item.from);
      return { emailAddress: p.mail, displayName: p.display_name, recipientType: "user" };
    },
    body: function () { return state.item ? state.item.body || "" : ""; },
    insertIntoBody: function (html) {
      state.item.body = (state.item.body || "") + html;
      renderItem();
    },
    // Outlook's open issues with items of shared calendars (`idbug` in the query string):
    // `missing` — `itemId` null (OfficeDev/office-js #5939, #1394); `wrong` — an id Graph does
    // not know (#3827). Items of one's own calendar are not affected.
    idBug: function () { return state.idBug; },
    // saveAsync of a meeting being composed: Outlook saves it in the calendar; its REST id.
    save: function () {
      var e = state.item;
      if (e.id) return Promise.resolve(e.id);
      return fetch("/dev/outlook/events", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ owner: e.calendar_owner, creator: state.user, subject: e.subject,
          start: e.start, end: e.end, location: e.location }),
      }).then(function (r) {
        if (!r.ok) throw "Outlook could not save the meeting (" + r.status + ")";
        return r.json();
      }).then(function (saved) {
        e.id = saved.id;
        tenant().events.push(e);
        renderCalendars();
        return saved.id;
      });
    },
    // Shared-folder properties: only for items of someone else's calendar.
    shared: function () {
      if (!state.item || state.item.calendar_owner === state.user) return null;
      var g = grant(state.item.calendar_owner, state.user);
      return { owner: state.item.calendar_owner, targetMailbox: state.item.calendar_owner,
               targetRestUrl: "https://outlook.office.com/api", delegatePermissions: g ? g.calendar_bits : 0 };
    },
    addCategory: function (name) {
      if (state.item && state.item.categories.indexOf(name) < 0) state.item.categories.push(name);
      saveCategories();
      renderItem();
    },
    removeCategory: function (name) {
      if (state.item) state.item.categories = state.item.categories.filter(function (c) { return c !== name; });
      saveCategories();
      renderItem();
    },
    masterCategories: function () {
      return [{ displayName: "CRM", color: "Preset7" }, { displayName: "Personal", color: "Preset4" }];
    },
    theme: function () {
      return state.dark
        ? { bodyBackgroundColor: "#292929", bodyForegroundColor: "#ffffff", controlBackgroundColor: "#1f1f1f", controlForegroundColor: "#ffffff" }
        : { bodyBackgroundColor: "#ffffff", bodyForegroundColor: "#242424", controlBackgroundColor: "#fafafa", controlForegroundColor: "#242424" };
    },
  };

  // The item's categories go to the simulator too, as Outlook would store them: the next sync
  // session (or the change notification it sends) sees them.
  function saveCategories() {
    if (!state.item || !state.item.id) return;
    fetch("/dev/outlook/categories", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ eventId: state.item.id, categories: state.item.categories }),
    });
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderUsers() {
    var select = document.getElementById("ol-user");
    tenant().users.forEach(function (u) {
      var option = el("option", { value: u.mail }, u.display_name + " <" + u.mail + ">");
      select.appendChild(option);
    });
    select.value = state.user;
    select.onchange = function () { state.user = select.value; state.item = null; render(); };
    var dark = document.getElementById("ol-dark");
    dark.checked = state.dark;
    dark.onchange = function () { state.dark = dark.checked; loadPane(); };
    var flavour = document.getElementById("ol-flavour");
    flavour.value = state.flavour;
    flavour.onchange = function () { state.flavour = flavour.value; loadPane(); };
  }

  function renderCalendars() {
    var nav = document.getElementById("ol-calendars");
    nav.textContent = "";
    // Outlook opens a delegated calendar only with folder permissions on it: sending on the
    // owner's behalf alone (bits 0) opens nothing.
    var owners = [state.user].concat(tenant().delegations
      .filter(function (d) { return d.delegate === state.user && d.calendar_bits !== 0; })
      .map(function (d) { return d.owner; }));
    var write = el("button", { type: "button", "class": "ol-new", "data-new-message": state.user }, "+ New message");
    write.onclick = function () { state.item = newMessage(state.user); render(); };
    nav.appendChild(write);
    owners.forEach(function (owner) {
      var g = grant(owner, state.user);
      var heading = el("h2", {}, owner === state.user ? "My calendar" : person(owner).display_name + "'s calendar ");
      if (g) heading.appendChild(el("small", {}, "(" + levelName(g.calendar_bits, g.send_on_behalf) + ")"));
      nav.appendChild(heading);
      // Creating items needs the Create right (Office.js Write, bit 2; MS-OXCPERM `Create`).
      var mayCompose = owner === state.user || (g && (g.calendar_bits & 2) !== 0);
      if (mayCompose) {
        var compose = el("button", { type: "button", "class": "ol-new", "data-new": owner }, "+ New meeting");
        compose.onclick = function () { state.item = newMeeting(owner); render(); };
        nav.appendChild(compose);
      }
      tenant().events.filter(function (e) { return e.calendar_owner === owner; }).forEach(function (e) {
        var button = el("button", { type: "button", "data-event": e.id }, shown(e).subject);
        if (state.item && state.item.id === e.id) button.setAttribute("aria-current", "true");
        button.onclick = function () { state.item = e; render(); };
        nav.appendChild(button);
      });
    });
  }

  // A meeting being composed in `owner`'s calendar, on their behalf when it is not the user's:
  // organized by the owner, created by the user, not saved yet (no id). Like Outlook's, it
  // starts at the next full hour and lasts one.
  function newMeeting(owner) {
    var start = new Date();
    start.setUTCMinutes(60, 0, 0);
    var utc = function (d) { return d.toISOString().replace(/\.\d{3}Z$/, "Z"); };
    return {
      compose: true, id: null, calendar_owner: owner,
      subject: "New meeting", start: utc(start), end: utc(new Date(start.getTime() + 3600000)),
      time_zone: "W. Europe Standard Time", location: "", organizer: owner,
      organizer_name: person(owner).display_name, created_by: state.user,
      created_by_name: person(state.user).display_name, attendees: [], sensitivity: "normal", categories: [],
    };
  }

  // A message being composed, from `from` (the user, or a mailbox they send on behalf of).
  function newMessage(from) {
    return { message: true, compose: true, id: null, calendar_owner: state.user, from: from,
      subject: "", body: "", attendees: [], categories: [], sensitivity: "normal" };
  }

  // The mailboxes the From field offers: the user's own, and those of the people who made the
  // user their delegate (Exchange decides at sending whether the user may send for them).
  function fromChoices() {
    return [state.user].concat(tenant().delegations
      .filter(function (d) { return d.delegate === state.user; })
      .map(function (d) { return d.owner; }));
  }

  function renderMessage(section) {
    var e = state.item;
    section.appendChild(el("h1", {}, "New message"));
    var label = el("label", {}, "From ");
    var select = el("select", { id: "ol-from", "aria-label": "From" });
    fromChoices().forEach(function (mail) {
      var option = el("option", { value: mail }, person(mail).display_name + " <" + mail + ">");
      select.appendChild(option);
    });
    select.value = e.from;
    // The task pane reads the From when it opens, as in Outlook: it opens again on a change.
    select.onchange = function () { e.from = select.value; loadPane(); };
    label.appendChild(select);
    section.appendChild(label);
    section.appendChild(el("h2", {}, "Body (HTML)"));
    section.appendChild(el("pre", { id: "ol-body", "class": "ol-body" }, e.body));
  }

  // Outlook shows times in the person's time zone, not as ISO strings.
  function when(e) {
    var start = new Date(e.start), end = new Date(e.end);
    var day = { weekday: "short", day: "numeric", month: "short", year: "numeric" };
    var time = { hour: "2-digit", minute: "2-digit" };
    return start.toLocaleDateString(undefined, day) + " " + start.toLocaleTimeString(undefined, time) +
      " – " + (start.toDateString() === end.toDateString() ? "" : end.toLocaleDateString(undefined, day) + " ") +
      end.toLocaleTimeString(undefined, time);
  }

  function renderItem() {
    var section = document.getElementById("ol-item");
    section.textContent = "";
    if (!state.item) { section.appendChild(el("p", { "class": "ol-hint" }, "Choose a calendar item on the left.")); return; }
    if (state.item.message) { renderMessage(section); return; }
    var e = shown(state.item);
    section.appendChild(el("h1", {}, e.subject));
    var dl = el("dl");
    [["When", when(e)], ["Where", e.location], ["Organizer", e.organizer_name + " <" + e.organizer + ">"],
     ["Calendar of", e.calendar_owner], ["Sensitivity", e.sensitivity], ["Categories", e.categories.join(", ") || "none"]]
      .forEach(function (row) { dl.appendChild(el("dt", {}, row[0])); dl.appendChild(el("dd", {}, row[1])); });
    section.appendChild(dl);
    // A meeting being composed: its body, where the add-in may insert text.
    if (opensAsOrganizer(state.item) && state.item.body) {
      section.appendChild(el("h2", {}, "Body (HTML)"));
      section.appendChild(el("pre", { id: "ol-body", "class": "ol-body" }, state.item.body));
    }
  }

  function loadPane() {
    // Outlook opens the task pane anew for each appointment (appointments cannot be pinned).
    document.getElementById("ol-pane").src = "/taskpane.html?host=simulator&t=" + Date.now();
  }

  function render() {
    renderCalendars();
    renderItem();
    loadPane();
  }

  fetch("/dev/outlook/world.json").then(function (r) { return r.json(); }).then(function (w) {
    world = w;
    var params = new URLSearchParams(window.location.search);
    state.user = params.get("mailbox") || tenant().users[0].mail;
    state.dark = params.get("theme") === "dark";
    state.flavour = FLAVOURS[params.get("flavour")] ? params.get("flavour") : "web";
    state.idBug = ["missing", "wrong"].indexOf(params.get("idbug") || "") >= 0 ? params.get("idbug") : "";
    var itemId = params.get("item");
    var composeIn = params.get("compose");
    state.item = composeIn === "message" ? newMessage(params.get("from") || state.user)
      : composeIn ? newMeeting(composeIn)
      : tenant().events.find(function (e) { return e.id === itemId; }) || null;
    renderUsers();
    render();
  });
})();
