// Quiz attempts: every change is saved at once, so a dropped connection loses nothing.
(function () {
  "use strict";
  var form = document.getElementById("quiz");
  if (!form || !window.fetch) { return; }
  var status = form.querySelector("[data-save-status]");
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var timer = null;

  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    var data = new FormData(form);
    fetch(form.dataset.saveUrl, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      say(response.ok ? form.dataset.savedText || "✓" : form.dataset.failedText || "!");
    }).catch(function () { say(form.dataset.failedText || "!"); });
  }

  function later() { clearTimeout(timer); timer = setTimeout(save, 600); }
  form.addEventListener("change", later);
  form.addEventListener("input", later);
})();
