// @ts-check
// Office.js stand-in for Liaison's simulated Outlook host (demo and tests only). It offers only
// what Office.js offers: every object below is typed against Microsoft's official typings
// (`@types/office-js`, pinned in package.json) and `tsc` checks it (tests/tests/e2e/office_standin.rs):
// a member or a shape the typings lack fails the build of the test suite.
//
// What it models, from the typings' own documentation:
// - read (attendee) mode: `Office.AppointmentRead` — plain values, `itemId` in EWS form (convert
//   it with `convertToRestId`); there is no `iCalUId` in Office.js;
// - organizer (compose) mode: `Office.AppointmentCompose` — "the appointment organizer mode":
//   fields read with `getAsync`, no `itemId` (`getItemIdAsync`, Mailbox 1.8, answers
//   `ItemNotSaved` until the item is saved; `saveAsync` saves it "as a normal appointment");
//   an organizer's own meetings open this way;
// - `categories.getAsync` gives `null` or `[]` for an item without categories "depending on the
//   Outlook version" (the host's flavour switch picks one), and Outlook on the web / the new
//   Outlook refuse `categories` calls in compose mode; classic Outlook allows them, but keeps a
//   category added to the open form only when the form is saved (`saveAsync`);
// - a message being composed: `Office.MessageCompose`, its From read with `from.getAsync`;
// - the body of an item being composed: `getTypeAsync` (HTML here) and `setSelectedDataAsync`,
//   which inserts at the cursor;
// - `userProfile.timeZone` is a Windows time zone name;
// - `displayDialogAsync`: the page calls `messageParent` (DialogMessageReceived); closing the
//   window raises DialogEventReceived with error 12006.
// Inside the host page (outlook.html) it reads the host through `window.parent.liaisonHost`;
// opened on its own, it reads the signed-in mailbox from the query string (`mailbox`, `name`).
(function () {
  "use strict";
  /** @type {any} */
  var host = null;
  try {
    if (window.parent !== window && /** @type {any} */ (window.parent).liaisonHost) host = /** @type {any} */ (window.parent).liaisonHost;
  } catch (e) { host = null; }
  var params = new URLSearchParams(window.location.search);

  /** @param {any} value */
  function succeeded(value) { return { status: "succeeded", value: value, error: null }; }
  /** @param {string} name @param {string} message @param {number} [code] */
  function failed(name, message, code) { return { status: "failed", value: null, error: { name: name, message: message, code: code || 9000 } }; }
  /** @param {any} callback @param {any} result */
  function later(callback, result) { if (typeof callback === "function") setTimeout(function () { callback(result); }, 0); }
  /** @param {IArguments} args */
  function lastArg(args) { return args[args.length - 1]; }
  /** @param {string} restId The REST id the host knows; Office.js shows items by EWS id. */
  function ewsId(restId) { return restId.replace(/-/g, "/").replace(/_/g, "+"); }

  /** @type {DeepPartial<Office.UserProfile>} */
  var userProfile = host ? host.profile() : {
    displayName: params.get("name") || "",
    emailAddress: params.get("mailbox") || "",
    timeZone: "W. Europe Standard Time",
    accountType: "office365",
  };

  // An item's categories as Office.js hands them: `null` or `[]` when it has none.
  /** @param {any} e */
  function categoryDetails(e) {
    if (!e.categories.length) return host.flavour().emptyCategories;
    return e.categories.map(function (/** @type {string} */ name) {
      var master = host.masterCategories().find(function (/** @type {any} */ c) { return c.displayName === name; });
      return { displayName: name, color: master ? master.color : "None" };
    });
  }

  /**
   * @param {any} e @param {boolean} compose
   * @param {{ pending: string[] }} [form] the open compose form: categories added to it, kept
   *   only when it is saved (classic Outlook; review T4)
   * @returns {DeepPartial<Office.Categories>}
   */
  function categories(e, compose, form) {
    // Outlook on the web and the new Outlook: "you can't use the API to manage categories
    // applied to a message or appointment item in Compose mode".
    var refused = compose && !host.flavour().composeCategories;
    return {
      getAsync: function () {
        if (refused) { later(lastArg(arguments), failed("GenericResponseError", "Categories can't be managed in compose mode here.")); return; }
        var shown = categoryDetails(e);
        if (form) form.pending.forEach(function (n) { if (e.categories.indexOf(n) < 0) shown = shown.concat(categoryDetails({ categories: [n] })); });
        later(lastArg(arguments), succeeded(shown));
      },
      addAsync: function (names) {
        var callback = lastArg(arguments);
        if (refused) { later(callback, failed("GenericResponseError", "Categories can't be managed in compose mode here.")); return; }
        var unknown = names.filter(function (n) { return !host.masterCategories().some(function (/** @type {any} */ c) { return c.displayName === n; }); });
        if (unknown.length) { later(callback, failed("InvalidCategory", "Invalid category: " + unknown[0])); return; }
        if (form) {
          // In the open form: written to the mailbox when the form is saved, not before.
          names.forEach(function (n) { if (form.pending.indexOf(n) < 0) form.pending.push(n); });
        } else {
          names.forEach(function (n) { host.addCategory(n); });
        }
        later(callback, succeeded(undefined));
      },
      removeAsync: function (names) {
        var callback = lastArg(arguments);
        if (refused) { later(callback, failed("GenericResponseError", "Categories can't be managed in compose mode here.")); return; }
        names.forEach(function (n) { host.removeCategory(n); });
        later(callback, succeeded(undefined));
      },
    };
  }

  /** @param {any} e @returns {DeepPartial<Office.EmailAddressDetails>} */
  function organizerOf(e) {
    return { emailAddress: e.organizer, displayName: e.organizer_name, recipientType: "user" };
  }

  // `itemId` in read mode — or, in a shared calendar where the host plays Outlook's open
  // issues, none (#5939, #1394) or one Graph does not know (#3827).
  /** @param {any} e @returns {any} */
  function readModeId(e) {
    var bug = host.shared() && host.idBug ? host.idBug() : "";
    if (bug === "missing") return null;
    if (bug === "wrong") return ewsId("AAMkUnknown" + e.id.slice(-12));
    return ewsId(e.id);
  }

  // The selected appointment in read (attendee) mode: Office.AppointmentRead.
  /** @param {any} e */
  function appointment(e) {
    /** @type {DeepPartial<Office.AppointmentRead>} */
    var item = {
      itemType: "appointment",
      itemId: readModeId(e),
      subject: e.subject,
      start: new Date(e.start),
      end: new Date(e.end),
      location: e.location,
      organizer: organizerOf(e),
      requiredAttendees: e.attendees.map(function (/** @type {string} */ a) { return { emailAddress: a, displayName: a, recipientType: "externalUser" }; }),
      optionalAttendees: [],
      categories: categories(e, false),
    };
    return withSharedProperties(item);
  }

  // The selected appointment in organizer (compose) mode: Office.AppointmentCompose. Every field
  // is read with getAsync; an unsaved meeting has no id until saveAsync.
  /** @param {any} e */
  function composition(e) {
    /** @param {any} value */
    function field(value) {
      return {
        getAsync: function () { later(lastArg(arguments), succeeded(value)); },
        setAsync: function (/** @type {any} */ v) { value = v; later(lastArg(arguments), succeeded(undefined)); },
      };
    }
    var form = { pending: /** @type {string[]} */ ([]) };
    /** @type {DeepPartial<Office.AppointmentCompose>} */
    var item = {
      itemType: "appointment",
      subject: field(e.subject),
      start: field(new Date(e.start)),
      end: field(new Date(e.end)),
      location: field(e.location),
      organizer: { getAsync: function () { later(lastArg(arguments), succeeded(organizerOf(e))); } },
      body: composedBody(),
      categories: categories(e, true, form),
      getItemIdAsync: function () {
        var callback = lastArg(arguments);
        var id = host.item().id;
        if (!id) { later(callback, failed("ItemNotSaved", "The ID can't be retrieved until the item is saved.")); return; }
        later(callback, succeeded(ewsId(id)));
      },
      saveAsync: function () {
        var callback = lastArg(arguments);
        host.save().then(function (/** @type {string} */ id) {
          // The form's categories are written with the item.
          form.pending.splice(0).forEach(function (n) { host.addCategory(n); });
          callback(succeeded(ewsId(id)));
        },
          function (/** @type {string} */ message) { callback(failed("GenericResponseError", message)); });
      },
    };
    return withSharedProperties(item);
  }

  // The body of an item being composed: HTML, as Outlook's editor writes it; what the pane
  // inserts goes where the cursor is (here: at its end).
  /** @returns {DeepPartial<Office.Body>} */
  function composedBody() {
    return {
      getTypeAsync: function () { later(lastArg(arguments), succeeded("html")); },
      getAsync: function () { later(lastArg(arguments), succeeded(host.body())); },
      setSelectedDataAsync: function (data) {
        host.insertIntoBody(String(data));
        later(lastArg(arguments), succeeded(undefined));
      },
    };
  }

  // A message being composed: Office.MessageCompose. Its From is what the From field shows
  // (`from.getAsync`, Mailbox 1.7): the user, or the mailbox they send on behalf of.
  /** @param {any} e */
  function messageComposition(e) {
    /** @type {DeepPartial<Office.MessageCompose>} */
    var item = {
      itemType: "message",
      subject: {
        getAsync: function () { later(lastArg(arguments), succeeded(e.subject)); },
        setAsync: function (/** @type {string} */ v) { e.subject = v; later(lastArg(arguments), succeeded(undefined)); },
      },
      from: { getAsync: function () { later(lastArg(arguments), succeeded(host.from())); } },
      body: composedBody(),
    };
    return item;
  }

  // As in Outlook: shared-folder properties only for items of a shared (delegated) folder.
  /** @param {any} item */
  function withSharedProperties(item) {
    var shared = host.shared();
    if (shared) {
      /** @type {DeepPartial<Office.SharedProperties>} */
      var properties = shared;
      item.getSharedPropertiesAsync = function () { later(lastArg(arguments), succeeded(properties)); };
    }
    return item;
  }

  var current = host ? host.item() : null;
  var selected = !current ? undefined
    : current.message ? messageComposition(current)
    : current.compose ? composition(current) : appointment(current);
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
  /** @type {DeepPartial<Office.Auth>} */
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
  // messageParent, which arrives here as DialogMessageReceived; closing the window raises
  // DialogEventReceived with error 12006. Both ends check the origin.
  /** @type {DeepPartial<Office.UI>} */
  var ui = {
    displayDialogAsync: function (url) {
      // (url, options, callback) or (url, callback), as Office.js takes them.
      var callback = lastArg(arguments);
      var popup = window.open(url, "office-dialog", "popup,width=480,height=640");
      if (!popup) { later(callback, failed("DialogBlocked", "The dialog could not be opened.", 12009)); return; }
      /** @type {{type: string, handler: any}[]} */
      var handlers = [];
      var closed = false;
      /** @param {string} type @param {any} args */
      function raise(type, args) { handlers.filter(function (h) { return h.type === type; }).forEach(function (h) { h.handler(args); }); }
      /** @param {MessageEvent} event */
      function onMessage(event) {
        if (event.source !== popup || event.origin !== window.location.origin) return;
        if (!event.data || typeof event.data.officeDialogMessage !== "string") return;
        raise("dialogMessageReceived", { message: event.data.officeDialogMessage, origin: event.origin });
      }
      window.addEventListener("message", onMessage);
      var watch = setInterval(function () {
        if (popup && popup.closed && !closed) {
          closed = true;
          clearInterval(watch);
          window.removeEventListener("message", onMessage);
          raise("dialogEventReceived", { error: 12006 });
        }
      }, 100);
      /** @type {DeepPartial<Office.Dialog>} */
      var dialog = {
        addEventHandler: function (type, handler) { handlers.push({ type: String(type), handler: handler }); },
        close: function () {
          closed = true;
          clearInterval(watch);
          window.removeEventListener("message", onMessage);
          try { if (popup) popup.close(); } catch (e) { /* gone */ }
        },
      };
      later(callback, succeeded(dialog));
    },
    messageParent: function (message) {
      if (window.opener) window.opener.postMessage({ officeDialogMessage: String(message) }, window.location.origin);
    },
  };

  /** @type {DeepPartial<Office.Mailbox>} */
  var mailbox = {
    userProfile: userProfile,
    diagnostics: { hostName: "OutlookWebApp", hostVersion: "liaison-simulator" },
    item: selected,
    convertToRestId: function (itemId) { return itemId.replace(/\//g, "-").replace(/\+/g, "_"); },
    masterCategories: {
      getAsync: function () { later(lastArg(arguments), succeeded(host ? host.masterCategories() : [])); },
    },
  };

  /** @type {DeepPartial<Office.Context>} */
  var context = {
    ui: ui,
    officeTheme: host ? host.theme() : undefined,
    mailbox: mailbox,
    requirements: {
      isSetSupported: function (name, version) {
        return name === "Mailbox" && parseFloat(version || "1.1") <= 1.14;
      },
    },
  };

  // Runtime enum values are strings, as in Office.js; the names are checked against the typings.
  /** @type {Partial<Record<keyof typeof Office.EventType, string>>} */
  var eventType = { ItemChanged: "olkItemSelectedChanged", OfficeThemeChanged: "officeThemeChanged", DialogMessageReceived: "dialogMessageReceived", DialogEventReceived: "dialogEventReceived" };
  /** @type {Partial<Record<keyof typeof Office.AsyncResultStatus, string>>} */
  var asyncResultStatus = { Succeeded: "succeeded", Failed: "failed" };

  /** @type {Partial<Record<keyof typeof Office.MailboxEnums.DelegatePermissions, number>>} */
  var delegatePermissions = { Read: 1, Write: 2, DeleteOwn: 4, DeleteAll: 8, EditOwn: 16, EditAll: 32 };
  /** @type {Partial<Record<keyof typeof Office.MailboxEnums.RestVersion, string>>} */
  var restVersion = { v1_0: "v1.0", v2_0: "v2.0", Beta: "beta" };
  /** @type {Partial<Record<keyof typeof Office.MailboxEnums.ItemType, string>>} */
  var itemType = { Message: "message", Appointment: "appointment" };
  /** @type {Partial<Record<keyof typeof Office.MailboxEnums.CategoryColor, string>>} */
  var categoryColor = { None: "None", Preset4: "Preset4", Preset7: "Preset7" };

  /** @type {any} */ (window).Office = {
    HostType: { Outlook: "Outlook" },
    auth: auth,
    PlatformType: { OfficeOnline: "OfficeOnline", PC: "PC", Mac: "Mac" },
    AsyncResultStatus: asyncResultStatus,
    EventType: eventType,
    MailboxEnums: {
      DelegatePermissions: delegatePermissions,
      RestVersion: restVersion,
      ItemType: itemType,
      CategoryColor: categoryColor,
    },
    onReady: function (/** @type {any} */ callback) {
      if (typeof callback === "function") ready.then(callback);
      return ready;
    },
    context: context,
  };
})();
