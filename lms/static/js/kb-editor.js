// Article editor: a live preview rendered by the server (same sanitiser as the reader's
// page) and image upload that inserts the image's Markdown at the cursor.
// Without this file the form still saves; only the preview and upload are missing.
(function () {
  "use strict";

  var editor = document.querySelector("[data-editor]");
  if (!editor || !window.fetch || !window.FormData) { return; }
  var textarea = editor.querySelector("textarea[name=body]");
  var preview = editor.querySelector("[data-preview]");
  if (!textarea || !preview) { return; }

  var kind = editor.querySelector("[name=kind]");
  var warnings = editor.querySelector("[data-warnings]");
  var imageInput = editor.querySelector("[data-image-input]");
  var uploadStatus = editor.querySelector("[data-upload-status]");
  var previewUrl = editor.getAttribute("data-preview-url");
  var uploadUrl = editor.getAttribute("data-upload-url");
  var emptyPreview = preview.innerHTML;  // the page's own "preview appears here" text
  var DELAY_MS = 300;

  function text(name) { return editor.getAttribute("data-" + name) || ""; }

  function csrfToken() {
    var input = editor.querySelector("input[name=csrf_token]");
    if (input && input.value) { return input.value; }
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.content : "";
  }

  function post(url, data, signal) {
    data.append("csrf_token", csrfToken());
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: data,
      signal: signal
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { ok: response.ok, json: json || {} };
      });
    });
  }

  function showWarnings(lines) {
    if (!warnings) { return; }
    while (warnings.firstChild) { warnings.removeChild(warnings.firstChild); }
    lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      warnings.appendChild(item);
    });
  }

  // Preview ------------------------------------------------------------------------------

  var timer = null;
  var latest = 0;
  var inFlight = null;

  function refresh() {
    window.clearTimeout(timer);
    timer = null;
    var mine = ++latest;
    if (inFlight) { inFlight.abort(); }
    inFlight = window.AbortController ? new AbortController() : null;
    if (!textarea.value.trim()) {
      preview.innerHTML = emptyPreview;
      showWarnings([]);
      return;
    }
    var data = new FormData();
    data.append("body", textarea.value);
    data.append("kind", kind ? kind.value : "");
    editor.setAttribute("aria-busy", "true");
    post(previewUrl, data, inFlight ? inFlight.signal : undefined).then(function (result) {
      if (mine !== latest) { return; }
      if (!result.ok || typeof result.json.html !== "string") {
        throw new Error("preview failed");
      }
      // The server has already sanitised this HTML (the reader's page shows the same).
      preview.innerHTML = result.json.html;
      var lines = [];
      (result.json.broken_links || []).forEach(function (slug) {
        lines.push(text("broken-link-text") + " " + slug);
      });
      (result.json.warnings || []).forEach(function (warning) { lines.push(String(warning)); });
      showWarnings(lines);
    }).catch(function (error) {
      if (mine !== latest || (error && error.name === "AbortError")) { return; }
      showWarnings([text("preview-error-text")]);
    }).then(function () {
      if (mine === latest) { editor.removeAttribute("aria-busy"); }
    });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, DELAY_MS);
  }

  textarea.addEventListener("input", schedule);
  if (kind) { kind.addEventListener("change", refresh); }

  // Images -------------------------------------------------------------------------------

  function sayUpload(message, isError) {
    if (!uploadStatus) { return; }
    uploadStatus.textContent = message || "";
    uploadStatus.classList.toggle("error", Boolean(isError));
  }

  function insertAtCursor(snippet) {
    var start = textarea.selectionStart;
    var end = textarea.selectionEnd;
    if (typeof start !== "number") { start = end = textarea.value.length; }
    var before = textarea.value.slice(0, start);
    var after = textarea.value.slice(end);
    // Keep the image on a line of its own.
    var lead = before && !/\n$/.test(before) ? "\n" : "";
    var tail = after && !/^\n/.test(after) ? "\n" : "";
    var insert = lead + snippet + tail;
    textarea.value = before + insert + after;
    var cursor = before.length + lead.length + snippet.length;
    textarea.focus();
    textarea.setSelectionRange(cursor, cursor);
  }

  if (imageInput && uploadUrl) {
    imageInput.addEventListener("change", function () {
      var file = imageInput.files && imageInput.files[0];
      if (!file) { return; }
      var data = new FormData();
      data.append("image", file, file.name);
      sayUpload(text("uploading-text"), false);
      post(uploadUrl, data).then(function (result) {
        if (!result.ok || typeof result.json.markdown !== "string") {
          sayUpload(result.json.error || text("upload-error-text"), true);
          return;
        }
        insertAtCursor(result.json.markdown);
        sayUpload(text("uploaded-text"), false);
        refresh();
      }).catch(function () {
        sayUpload(text("upload-error-text"), true);
      }).then(function () {
        imageInput.value = "";
      });
    });
  }

  editor.querySelectorAll("[data-js-only]").forEach(function (element) { element.hidden = false; });
  if (textarea.value.trim()) { refresh(); }
})();
