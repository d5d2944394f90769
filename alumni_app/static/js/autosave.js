// Saves a draft form in the background while the applicant types (the page works without it:
// the "Save the draft" button does the same). The server answers with the draft's new version,
// which goes into the form so the next save is not taken for a stale tab.
//
// - After a pause in typing, and whenever the page is hidden or left (another tab, a closed
//   window, a link followed), what changed is saved with a request that outlives the page
//   (fetch keepalive, up to the browsers' 64 KiB; a longer text waits for the button).
// - A click on a button of the form (save, submit, invite, attach) while a save is on its way
//   waits for that save, so the form carries the newest version and is not refused as stale;
//   from then on nothing more is saved in the background.
(function () {
  "use strict";
  var DELAY_MS = 4000;
  var KEEPALIVE_BYTES = 60000;

  function start(form) {
    // Not form.action: the buttons named "action" shadow that property.
    var url = form.getAttribute("action") || window.location.href;
    var status = form.querySelector("[data-autosave-status]");
    var version = form.querySelector("input[name=edit_version]");
    var timer = null;
    var inFlight = null;  // the save on its way, a promise
    var dirty = false;    // typed since the last save began
    var submitting = false;
    var say = function (text) { if (status) { status.textContent = text; } };

    function payload(expectedVersion) {
      var data = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string" && name !== "action") { data.append(name, value); }
      });
      data.set("action", "save");
      data.set("edit_version", expectedVersion);
      return data.toString();
    }

    function save(leaving) {
      clearTimeout(timer);
      if (submitting || !dirty) { return inFlight; }
      if (inFlight && !leaving) { timer = setTimeout(save, DELAY_MS); return inFlight; }
      // Leaving while a save is on its way: that save, once through, makes the version one
      // higher; this one counts on it (the page will not be there to hear the answer).
      var expected = inFlight ? String(Number(version.value) + 1) : version.value;
      var body = payload(expected);
      var options = {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
                   "X-Autosave": "1", "Accept": "application/json" }
      };
      if (new Blob([body]).size <= KEEPALIVE_BYTES) { options.keepalive = true; }
      dirty = false;
      var request = fetch(url, options).then(function (response) {
        if (response.ok) {
          return response.json().then(function (answer) {
            if (Number(answer.version) > Number(version.value)) { version.value = answer.version; }
            say(form.dataset.savedText || "Draft saved.");
          });
        }
        dirty = true;
        say(form.dataset.failedText || "Not saved: press the Save button to see why.");
      }).catch(function () {
        dirty = true;
        say(form.dataset.offlineText || "Not saved: no connection.");
      }).then(function () {
        if (inFlight === request) { inFlight = null; }
      });
      inFlight = request;
      return request;
    }

    function changed() {
      dirty = true;
      clearTimeout(timer);
      timer = setTimeout(save, DELAY_MS);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function (event) {
      clearTimeout(timer);
      if (submitting) { return; }
      if (inFlight) {
        event.preventDefault();
        var button = event.submitter;
        say(form.dataset.waitingText || "Saving, then sending…");
        inFlight.then(function () {
          submitting = true;
          if (button) { button.click(); } else { form.submit(); }
        });
        return;
      }
      submitting = true;
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { save(true); }
    });
    window.addEventListener("pagehide", function () { save(true); });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { submitting = false; }  // back from the cache: the page lives on
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave]").forEach(start);
  });
})();
