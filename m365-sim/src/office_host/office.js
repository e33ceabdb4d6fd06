// Office.js stand-in for Liaison's simulated Outlook host (demo and tests only).
// It implements the subset of the Office.js API the task pane uses, with the same names,
// shapes and enum values as Microsoft's runtime, so the pane's code cannot tell the difference.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var userProfile = {
    displayName: params.get("name") || "",
    emailAddress: params.get("mailbox") || "",
    timeZone: "UTC",
    accountType: "office365",
  };
  var info = { host: "Outlook", platform: "OfficeOnline" };
  var ready = Promise.resolve(info);

  window.Office = {
    HostType: { Outlook: "Outlook" },
    PlatformType: { OfficeOnline: "OfficeOnline", PC: "PC", Mac: "Mac" },
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    MailboxEnums: {
      DelegatePermissions: { Read: 1, Write: 2, DeleteOwn: 4, DeleteAll: 8, EditOwn: 16, EditAll: 32 },
      RestVersion: { v1_0: "v1.0", v2_0: "v2.0", Beta: "beta" },
    },
    onReady: function (callback) {
      if (typeof callback === "function") ready.then(callback);
      return ready;
    },
    context: {
      mailbox: {
        userProfile: userProfile,
        diagnostics: { hostName: "OutlookWebApp", hostVersion: "liaison-simulator" },
        item: null,
      },
      requirements: {
        isSetSupported: function (name, version) {
          return name === "Mailbox" && parseFloat(version || "1.1") <= 1.14;
        },
      },
    },
  };
})();
