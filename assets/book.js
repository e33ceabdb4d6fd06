// The booking page (`/book/{secret}`) works without JavaScript and shows times in the link's
// time zone; with JavaScript, it shows them in the browser's own zone unless the invitee chose
// one. Nothing else: the page's form posts as a plain HTML form.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  var input = document.getElementById("tz");
  // Not on a page that answers a booking (it may hold a message or what was typed).
  if (!zone || !input || document.getElementById("message")) return;
  if (new URLSearchParams(location.search).has("tz") || input.value === zone) return;
  var url = new URL(location.href);
  url.searchParams.set("tz", zone);
  location.replace(url.toString());
})();
