// Call-script player: one step at a time, keys 1-9 choose, Backspace goes back.
// Without this file every step shows on one long page and the choices are anchor links.
// Each run is recorded on the server; when the server can't be reached the player keeps
// working and simply stops recording.
(function () {
  "use strict";

  var player = document.querySelector("[data-player]");
  if (!player) { return; }

  var steps = {};
  player.querySelectorAll("[data-step]").forEach(function (section) {
    steps[section.getAttribute("data-step")] = section;
  });
  var start = player.getAttribute("data-start");
  if (!start || !steps[start]) { return; }

  var pathList = player.querySelector("[data-path]");
  var backButton = player.querySelector("[data-back]");
  var restartButton = player.querySelector("[data-restart]");
  var path = [start];

  // Recording -----------------------------------------------------------------------------

  var runsUrl = player.getAttribute("data-runs-url");
  var recorder = {
    on: false,        // false once the server failed us (until the next restart)
    generation: 0,    // bumped by each new run; answers for older runs are ignored
    runUrl: null,     // where this run's path goes, once the server has started it
    busy: false,      // one request at a time, so the server sees moves in order
    pending: null     // the latest state not yet sent
  };

  function csrfToken() {
    var meta = document.querySelector("meta[name=csrf-token]");
    if (meta && meta.content) { return meta.content; }
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function postJson(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify(data)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  function startRun() {
    recorder.generation += 1;
    recorder.runUrl = null;
    recorder.pending = null;
    recorder.busy = false;
    recorder.on = Boolean(runsUrl && window.fetch);
    if (!recorder.on) { return; }
    var generation = recorder.generation;
    recorder.busy = true;
    var request;
    try {
      request = postJson(runsUrl, {});
    } catch (error) {
      recorder.on = false;
      return;
    }
    request.then(function (run) {
      if (generation !== recorder.generation) { return; }
      if (!run || run.id === undefined || run.id === null) { throw new Error("no run id"); }
      recorder.runUrl = runsUrl.replace(/\/+$/, "") + "/" + encodeURIComponent(run.id);
    }).catch(function () {
      if (generation === recorder.generation) { recorder.on = false; }
    }).then(function () {
      if (generation !== recorder.generation) { return; }
      recorder.busy = false;
      flush();
    });
  }

  function record() {
    if (!recorder.on) { return; }
    recorder.pending = { path: path.slice(), finished: isEnd(current()) };
    flush();
  }

  function flush() {
    if (!recorder.on || recorder.busy || !recorder.runUrl || !recorder.pending) { return; }
    var generation = recorder.generation;
    var state = recorder.pending;
    recorder.pending = null;
    recorder.busy = true;
    var request;
    try {
      request = postJson(recorder.runUrl, state);
    } catch (error) {
      recorder.on = false;
      recorder.busy = false;
      return;
    }
    request.catch(function () {
      if (generation === recorder.generation) { recorder.on = false; }
    }).then(function () {
      if (generation !== recorder.generation) { return; }
      recorder.busy = false;
      flush();
    });
  }

  // Steps ---------------------------------------------------------------------------------

  function current() { return path[path.length - 1]; }

  function choicesOf(stepId) {
    return Array.prototype.filter.call(
      steps[stepId].querySelectorAll("a.choice[data-target]"),
      function (link) { return Boolean(steps[link.getAttribute("data-target")]); }
    );
  }

  function isEnd(stepId) {
    return steps[stepId].querySelectorAll("a.choice[data-target]").length === 0;
  }

  function titleOf(stepId) {
    var heading = steps[stepId].querySelector("h2, h3");
    return (heading ? heading.textContent : stepId).trim();
  }

  function renderPath() {
    if (!pathList) { return; }
    while (pathList.firstChild) { pathList.removeChild(pathList.firstChild); }
    path.forEach(function (stepId, index) {
      var item = document.createElement("li");
      item.textContent = titleOf(stepId);
      if (index === path.length - 1) { item.setAttribute("aria-current", "step"); }
      pathList.appendChild(item);
    });
  }

  function show(moveFocus) {
    var here = current();
    Object.keys(steps).forEach(function (stepId) { steps[stepId].hidden = stepId !== here; });
    renderPath();
    if (backButton) { backButton.hidden = path.length < 2; }
    if (restartButton) { restartButton.hidden = path.length < 2 && !isEnd(here); }
    player.classList.toggle("at-end", isEnd(here));
    if (window.history && history.replaceState) {
      try {
        history.replaceState(history.state, "", "#step-" + here);
      } catch (error) { /* a sandboxed page may refuse; the player works without it */ }
    }
    if (moveFocus) { steps[here].focus(); }
  }

  function go(target) {
    if (!steps[target]) { return; }
    path.push(target);
    show(true);
    record();
  }

  function back() {
    if (path.length < 2) { return; }
    path.pop();
    show(true);
    record();
  }

  function restart() {
    path = [start];
    show(true);
    startRun();
  }

  // Events --------------------------------------------------------------------------------

  function isTextField(element) {
    if (!element) { return false; }
    if (element.isContentEditable) { return true; }
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") { return true; }
    if (tag !== "INPUT") { return false; }
    var type = (element.getAttribute("type") || "text").toLowerCase();
    return ["button", "submit", "reset", "checkbox", "radio", "image", "file", "range", "color"]
      .indexOf(type) === -1;
  }

  player.addEventListener("click", function (event) {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;  // let the browser open the link elsewhere
    }
    var link = event.target.closest("a.choice[data-target]");
    if (!link || !steps[current()].contains(link)) { return; }
    var target = link.getAttribute("data-target");
    if (!steps[target]) { return; }
    event.preventDefault();
    go(target);
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (isTextField(event.target) || isTextField(document.activeElement)) { return; }
    if (event.key === "Backspace") {
      if (path.length > 1) {
        event.preventDefault();
        back();
      }
      return;
    }
    if (/^[1-9]$/.test(event.key)) {
      var choice = choicesOf(current())[Number(event.key) - 1];
      if (choice) {
        event.preventDefault();
        go(choice.getAttribute("data-target"));
      }
    }
  });

  if (backButton) { backButton.addEventListener("click", back); }
  if (restartButton) { restartButton.addEventListener("click", restart); }

  // A link in a step's text to another step (not one of its choices) changes the address:
  // follow it only when it is a step of the path (going back) or a choice of this step.
  window.addEventListener("hashchange", function () {
    var match = /^#step-(.+)$/.exec(location.hash);
    var target = match ? decodeURIComponent(match[1]) : null;
    if (!target || !steps[target] || target === current()) { show(false); return; }
    var earlier = path.lastIndexOf(target);
    if (earlier !== -1) {
      path = path.slice(0, earlier + 1);
      show(true);
      record();
    } else if (choicesOf(current()).some(function (l) { return l.getAttribute("data-target") === target; })) {
      go(target);
    } else {
      show(false);
    }
  });

  player.classList.add("is-playing");
  player.querySelectorAll("[data-js-only]").forEach(function (element) { element.hidden = false; });
  show(true);
  startRun();
})();
