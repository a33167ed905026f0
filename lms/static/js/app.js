// Agent LMS: small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Language select: switch as soon as a language is chosen (the button stays for keyboards).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });

  // "/" anywhere outside a text field jumps to the search box.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) { return; }
    var box = document.querySelector("[data-search-box], #search-q");
    if (box) { event.preventDefault(); box.focus(); box.select(); }
  });

  // Print buttons (a report prints without the navigation, see app.css).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Ask before destructive actions.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || form.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
