// Live search: results update as the agent types; arrows move through them, Enter opens.
(function () {
  "use strict";
  var form = document.querySelector("[data-live-search]");
  if (!form) { return; }
  var box = form.querySelector("input[name=q]");
  var target = document.querySelector(form.dataset.results);
  var timer = null;
  var latest = 0;

  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    var url = form.action + "?" + params.toString();
    params.set("partial", "1");
    var ticket = ++latest;
    fetch(form.action + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || ticket !== latest) { return; }
        target.innerHTML = html;  // rendered and escaped by the server
        history.replaceState(null, "", url);
      })
      .catch(function () { /* keep the last results; the form still submits */ });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });

  function links() { return Array.prototype.slice.call(target.querySelectorAll(".hit-title")); }

  function move(step) {
    var all = links();
    if (!all.length) { return; }
    var index = all.indexOf(document.activeElement);
    var next = index === -1 ? (step > 0 ? 0 : all.length - 1) : index + step;
    if (next < 0) { box.focus(); return; }
    all[Math.min(next, all.length - 1)].focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); move(1); }
    else if (event.key === "ArrowUp" && document.activeElement !== box) { event.preventDefault(); move(-1); }
    else if (event.key === "Enter" && document.activeElement === box && links().length) {
      event.preventDefault();
      clearTimeout(timer);
      links()[0].click();
    }
  });
})();
