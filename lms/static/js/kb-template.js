// Answer templates: the finished text follows the fields as the agent types; Copy (or
// Ctrl+Enter anywhere in the filler) puts it on the clipboard. Values only ever reach the
// page as text, never as HTML. Without this file the form's button fills the text on the
// server. The rules match lms/kb/placeholders.py.
(function () {
  "use strict";

  var filler = document.querySelector("[data-template-filler]");
  if (!filler) { return; }
  var source = document.getElementById("template-body");
  var output = document.getElementById("filled-text");
  if (!source || !output) { return; }

  var body;
  try {
    body = JSON.parse(source.textContent);
  } catch (error) {
    return;
  }
  if (typeof body !== "string") { return; }
  body = body.replace(/\r\n?/g, "\n");

  var inputs = Array.prototype.slice.call(filler.querySelectorAll("[data-placeholder]"));
  var copyButton = document.getElementById("copy-text");
  var status = document.getElementById("copy-status");

  // Same as CANDIDATE_RE and NAME_RE: anything between double braces, and a name of
  // letters, digits, "_" and "-" (Python's \w is Unicode letters and digits plus "_").
  var CANDIDATE = /\{\{([^{}\n]*)\}\}/g;
  var NAME = /^[\p{L}\p{N}_-]+$/u;

  function parsePlaceholder(inner) {
    var parts = inner.split("|");
    if (parts.length > 2) { return null; }
    var name = parts[0].trim();
    if (!NAME.test(name)) { return null; }
    return { name: name, fallback: parts.length === 2 ? parts[1].trim() : null };
  }

  function values() {
    var found = {};
    inputs.forEach(function (input) { found[input.getAttribute("data-placeholder")] = input.value; });
    return found;
  }

  function fill(text, given) {
    return text.replace(CANDIDATE, function (whole, inner) {
      var placeholder = parsePlaceholder(inner);
      if (!placeholder) { return whole; }
      var value = Object.prototype.hasOwnProperty.call(given, placeholder.name)
        ? given[placeholder.name] : null;
      if (value !== null && value.trim()) { return value; }
      if (placeholder.fallback !== null) { return placeholder.fallback; }
      return "{{" + placeholder.name + "}}";
    });
  }

  function finishedText() {
    return fill(body, values());
  }

  function render() {
    // textContent only: whatever the agent typed shows as typed. The stylesheet keeps the
    // line breaks (white-space: pre-wrap on .filled-text[data-live]).
    output.textContent = finishedText();
    output.setAttribute("data-live", "");
  }

  function say(message) {
    if (!status) { return; }
    status.textContent = "";
    // A fresh text node after a tick, so screen readers announce a repeated message too.
    window.setTimeout(function () { status.textContent = message || ""; }, 50);
  }

  function copyWithSelection(text) {
    var previous = document.activeElement;
    var helper = document.createElement("textarea");
    helper.value = text;
    helper.setAttribute("readonly", "");
    helper.setAttribute("aria-hidden", "true");
    helper.className = "clipboard-helper";
    document.body.appendChild(helper);
    helper.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(helper);
    if (previous && previous.focus) { previous.focus(); }
    return copied;
  }

  function copy() {
    var text = finishedText();
    var done = function () { say(filler.getAttribute("data-copied-text")); };
    var failed = function () { say(filler.getAttribute("data-copy-failed-text")); };
    var fallback = function () {
      if (copyWithSelection(text)) { done(); } else { failed(); }
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      render();
      if (status) { status.textContent = ""; }
    });
  });

  filler.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.altKey) {
      event.preventDefault();
      copy();
    }
  });

  // The text is already filled in: Enter in a field must not reload the page.
  filler.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      render();
    });
  });

  filler.querySelectorAll(".js-hidden").forEach(function (element) { element.hidden = true; });
  if (copyButton) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", copy);
  }
  render();
})();
