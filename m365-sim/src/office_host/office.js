// Office.js stand-in for Liaison's simulated Outlook host (demo and tests only).
// It implements the subset of Office.js the task pane uses, with the same names, shapes, enum
// values and callback conventions as Microsoft's runtime, so the pane cannot tell the difference.
// Inside the host page (outlook.html) it reads the host through `window.parent.liaisonHost`;
// opened on its own, it reads the signed-in mailbox from the query string (`mailbox`, `name`).
(function () {
  "use strict";
  var host = null;
  try {
    if (window.parent !== window && window.parent.liaisonHost) host = window.parent.liaisonHost;
  } catch (e) { host = null; }
  var params = new URLSearchParams(window.location.search);

  function succeeded(value) { return { status: "succeeded", value: value, error: null }; }
  function failed(name, message) { return { status: "failed", value: null, error: { name: name, message: message, code: 9000 } }; }
  function later(callback, result) { if (typeof callback === "function") setTimeout(function () { callback(result); }, 0); }
  function lastArg(args) { return args[args.length - 1]; }

  var userProfile = host ? host.profile() : {
    displayName: params.get("name") || "",
    emailAddress: params.get("mailbox") || "",
    timeZone: "UTC",
    accountType: "office365",
  };

  // The selected appointment in read mode (Office.AppointmentRead).
  function appointment(e) {
    var item = {
      itemType: "appointment",
      itemId: e.id.replace(/-/g, "/"),
      iCalUId: e.ical_uid,
      subject: e.subject,
      start: new Date(e.start),
      end: new Date(e.end),
      location: e.location,
      sensitivity: e.sensitivity,
      organizer: { emailAddress: e.organizer, displayName: e.organizer_name },
      requiredAttendees: e.attendees.map(function (a) { return { emailAddress: a, displayName: a, recipientType: "externalUser" }; }),
      optionalAttendees: [],
      categories: {
        getAsync: function () {
          later(lastArg(arguments), succeeded(e.categories.map(function (name) {
            var master = host.masterCategories().find(function (c) { return c.displayName === name; });
            return { displayName: name, color: master ? master.color : "None" };
          })));
        },
        addAsync: function (names) {
          var unknown = names.filter(function (n) { return !host.masterCategories().some(function (c) { return c.displayName === n; }); });
          if (unknown.length) { later(lastArg(arguments), failed("InvalidCategory", "Invalid category: " + unknown[0])); return; }
          names.forEach(function (n) { host.addCategory(n); });
          later(lastArg(arguments), succeeded(null));
        },
        removeAsync: function (names) {
          names.forEach(function (n) { host.removeCategory(n); });
          later(lastArg(arguments), succeeded(null));
        },
      },
    };
    // As in Outlook: the method exists only on items of a shared (delegated) folder.
    var shared = host.shared();
    if (shared) {
      item.getSharedPropertiesAsync = function () { later(lastArg(arguments), succeeded(shared)); };
    }
    return item;
  }

  // A new meeting being composed (Office.AppointmentCompose): every field is read with getAsync.
  function composition(e) {
    function field(value) {
      return {
        getAsync: function () { later(lastArg(arguments), succeeded(value)); },
        setAsync: function (v) { value = v; later(lastArg(arguments), succeeded(null)); },
      };
    }
    return {
      itemType: "appointment",
      iCalUId: e.ical_uid,
      subject: field(e.subject),
      start: field(new Date(e.start)),
      end: field(new Date(e.end)),
      location: field(e.location),
      sensitivity: field(e.sensitivity),
      organizer: field({ emailAddress: e.organizer, displayName: e.organizer_name }),
      categories: { getAsync: function () { later(lastArg(arguments), succeeded([])); } },
      getSharedPropertiesAsync: host.shared()
        ? function () { later(lastArg(arguments), succeeded(host.shared())); }
        : undefined,
    };
  }

  var current = host ? host.item() : null;
  var selected = current ? (current.compose ? composition(current) : appointment(current)) : null;
  if (selected && selected.getSharedPropertiesAsync === undefined) delete selected.getSharedPropertiesAsync;
  var info = { host: "Outlook", platform: "OfficeOnline" };
  // As Office.js: ready once the page's DOM is parsed too (scripts in <head> may wait on it).
  var ready = new Promise(function (resolve) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { resolve(info); });
    } else {
      resolve(info);
    }
  });

  // Office SSO: Office (here, the Liaison demo server asking the simulator) mints a token for
  // the add-in's own API. Errors carry Office's codes (13001: not signed in, 13012: no SSO).
  var auth = {
    getAccessToken: function () {
      if (!userProfile.emailAddress) return Promise.reject({ code: 13001, message: "No user is signed in to Office." });
      return fetch("/dev/office/sso-token?mailbox=" + encodeURIComponent(userProfile.emailAddress))
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (body.token) return body.token;
          throw { code: body.code || 13012, message: body.message || "Single sign-on is not available." };
        });
    },
  };

  // The Office dialog: a separate window (never an iframe); the page in it calls
  // messageParent, which arrives here as DialogMessageReceived. Both ends check the origin.
  var ui = {
    displayDialogAsync: function (url, options, callback) {
      var popup = window.open(url, "office-dialog", "popup,width=480,height=640");
      if (!popup) { later(callback, failed("DialogBlocked", "The dialog could not be opened.")); return; }
      var handlers = [];
      function onMessage(event) {
        if (event.source !== popup || event.origin !== window.location.origin) return;
        if (!event.data || typeof event.data.officeDialogMessage !== "string") return;
        handlers.forEach(function (h) { h({ message: event.data.officeDialogMessage, origin: event.origin }); });
      }
      window.addEventListener("message", onMessage);
      later(callback, succeeded({
        addEventHandler: function (type, handler) { handlers.push(handler); },
        close: function () { window.removeEventListener("message", onMessage); try { popup.close(); } catch (e) { /* gone */ } },
      }));
    },
    messageParent: function (message) {
      if (window.opener) window.opener.postMessage({ officeDialogMessage: String(message) }, window.location.origin);
    },
  };

  window.Office = {
    HostType: { Outlook: "Outlook" },
    auth: auth,
    PlatformType: { OfficeOnline: "OfficeOnline", PC: "PC", Mac: "Mac" },
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    EventType: { ItemChanged: "olkItemSelectedChanged", OfficeThemeChanged: "officeThemeChanged", DialogMessageReceived: "dialogMessageReceived" },
    MailboxEnums: {
      DelegatePermissions: { Read: 1, Write: 2, DeleteOwn: 4, DeleteAll: 8, EditOwn: 16, EditAll: 32 },
      RestVersion: { v1_0: "v1.0", v2_0: "v2.0", Beta: "beta" },
      ItemType: { Message: "message", Appointment: "appointment" },
      CategoryColor: { None: "None", Preset4: "Preset4", Preset7: "Preset7" },
    },
    onReady: function (callback) {
      if (typeof callback === "function") ready.then(callback);
      return ready;
    },
    context: {
      ui: ui,
      officeTheme: host ? host.theme() : undefined,
      mailbox: {
        userProfile: userProfile,
        diagnostics: { hostName: "OutlookWebApp", hostVersion: "liaison-simulator" },
        item: selected,
        convertToRestId: function (itemId) { return itemId.replace(/\//g, "-"); },
        masterCategories: {
          getAsync: function () { later(lastArg(arguments), succeeded(host ? host.masterCategories() : [])); },
        },
      },
      requirements: {
        isSetSupported: function (name, version) {
          return name === "Mailbox" && parseFloat(version || "1.1") <= 1.14;
        },
      },
    },
  };
})();
