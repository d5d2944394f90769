// Saves a draft form in the background while the applicant types (the page works without it:
// the "Save the draft" button does the same). The server answers with the draft's new version,
// which goes into the form so the next save is not taken for a stale tab.
(function () {
  "use strict";
  var DELAY_MS = 4000;

  function start(form) {
    var status = form.querySelector("[data-autosave-status]");
    var version = form.querySelector("input[name=edit_version]");
    var timer = null;
    var busy = false;
    var say = function (text) { if (status) { status.textContent = text; } };

    function save() {
      if (busy) { timer = setTimeout(save, DELAY_MS); return; }
      busy = true;
      var data = new FormData(form);
      data.set("action", "save");
      fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-Autosave": "1", "Accept": "application/json" }
      }).then(function (response) {
        if (response.ok) {
          return response.json().then(function (body) {
            version.value = body.version;
            say(form.dataset.savedText || "Draft saved.");
          });
        }
        say(form.dataset.failedText || "Not saved: press the Save button to see why.");
      }).catch(function () {
        say(form.dataset.offlineText || "Not saved: no connection.");
      }).then(function () { busy = false; });
    }

    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(save, DELAY_MS);
    });
    form.addEventListener("submit", function () { clearTimeout(timer); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave]").forEach(start);
  });
})();
