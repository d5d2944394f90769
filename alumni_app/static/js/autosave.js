// Saves a draft form in the background while the applicant types (the page works without it:
// the "Save the draft" button does the same). The server answers with the draft's new version,
// which goes into the form so the next save is not taken for a stale tab.
//
// - Every save carries this page's own random token and a number one higher than its last
//   save. The server takes a save that rests on the current version, or on one this page's
//   own earlier save made (it may still be on its way, or lost), as long as it is the newer
//   of the two; an older save of the page is ignored, and another tab's stale form refused.
// - After a pause in typing, and whenever the page is hidden or left (another tab, a closed
//   window, a link followed), the form is saved; on leaving with a request that outlives the
//   page (fetch keepalive), which browsers allow up to 64 KiB. The body is multipart form
//   data, raw UTF-8 (2 bytes a Cyrillic letter), so a proposal of ~30,000 letters fits; a
//   longer one does not, and then the browser asks before the page is left with unsaved text.
// - A click on a button of the form (save, submit, invite, attach) while a save is on its way
//   waits for that save, so the form carries the newest version and is not refused as stale;
//   from then on nothing more is saved in the background.
(function () {
  "use strict";
  var DELAY_MS = 4000;
  var KEEPALIVE_BYTES = 60000;  // under the 64 KiB a page may have in flight with keepalive
  var PART_BYTES = 100;  // the headers of one part of a multipart body, about

  function randomToken() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function start(form) {
    // Not form.action: the buttons named "action" shadow that property.
    var url = form.getAttribute("action") || window.location.href;
    var status = form.querySelector("[data-autosave-status]");
    var version = form.querySelector("input[name=edit_version]");
    var tab = form.querySelector("input[name=edit_tab]");
    var seq = form.querySelector("input[name=edit_seq]");
    if (!version || !tab || !seq) { return; }
    tab.value = randomToken();  // this page's own, even where the browser restored the form
    var counter = 0;      // the number of the last save begun
    var timer = null;
    var inFlight = null;  // the newest save on its way, a promise
    var keptAlive = false;  // that save outlives the page
    var dirty = false;    // typed since the last save began
    var submitting = false;
    var say = function (text) { if (status) { status.textContent = text; } };

    function nextNumber() {
      counter += 1;
      seq.value = String(counter);
      return counter;
    }

    function payload() {
      var data = new FormData();
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string" && name !== "action") { data.append(name, value); }
      });
      data.set("action", "save");
      return data;
    }

    function bytes(data) {
      var total = 0;
      data.forEach(function (value, name) { total += new Blob([name, value]).size + PART_BYTES; });
      return total;
    }

    function fitsKeepalive() { return bytes(payload()) <= KEEPALIVE_BYTES; }

    function save(leaving) {
      clearTimeout(timer);
      if (submitting) { return inFlight; }
      // Leaving while a save that dies with the page is on its way: send the text again, in a
      // save that outlives it (the server takes the newer of the two, whichever comes first).
      var unsure = leaving && inFlight && !keptAlive;
      if (!dirty && !unsure) { return inFlight; }
      if (inFlight && !leaving) { timer = setTimeout(save, DELAY_MS); return inFlight; }
      var number = nextNumber();
      var body = payload();
      var options = {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-Autosave": "1", "Accept": "application/json" }
      };
      var alive = Boolean(leaving) && bytes(body) <= KEEPALIVE_BYTES;
      if (alive) { options.keepalive = true; }
      dirty = false;
      var request = fetch(url, options).then(function (response) {
        if (response.ok) {
          return response.json().then(function (answer) {
            if (Number(answer.version) > Number(version.value)) { version.value = answer.version; }
            if (number === counter) { say(form.dataset.savedText || "Draft saved."); }
          });
        }
        if (number === counter) {  // else a newer save speaks for the text
          dirty = true;
          say(form.dataset.failedText || "Not saved: press the Save button to see why.");
        }
      }).catch(function () {
        if (number === counter) {
          dirty = true;
          say(form.dataset.offlineText || "Not saved: no connection.");
        }
      }).then(function () {
        if (inFlight === request) { inFlight = null; keptAlive = false; }
      });
      inFlight = request;
      keptAlive = alive;
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
          nextNumber();  // newer than every autosave of this page
          if (button) { button.click(); } else { form.submit(); }
        });
        return;
      }
      submitting = true;
      nextNumber();
    });
    window.addEventListener("beforeunload", function (event) {
      // The save sent on leaving cannot carry this much: let the browser ask first.
      if (!submitting && (dirty || (inFlight && !keptAlive)) && !fitsKeepalive()) {
        event.preventDefault();
        event.returnValue = "";
      }
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
