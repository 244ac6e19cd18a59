// The dev server's client: live reload over the LiveReload protocol (official-7),
// plus the build-error overlay (the server's "atoll-errors" / "atoll-ok" commands).
// The overlay can be closed (its button, or Esc) to look at the last good build
// underneath; a small "show" button then stays in the corner until the build is fixed.
// Injected by `atoll serve` only; never part of a built site.
(function () {
  "use strict";
  var script = document.currentScript;
  var servedBuild = script ? Number(script.getAttribute("data-build")) : 0;
  var overlay = null;
  var badge = null;
  var lastErrors = null;
  var focusBefore = null;
  var retry = 250;

  function reloadStyles() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href);
      url.searchParams.set("atoll-reload", String(Date.now()));
      links[i].href = url.href;
    }
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function countText(errors) {
    return "Build failed: " + errors.length + " error" + (errors.length === 1 ? "" : "s");
  }

  function button(id, text, label) {
    var b = el("button", null, text);
    b.type = "button";
    b.id = id;
    if (label) b.setAttribute("aria-label", label);
    var s = b.style;  // set through CSSOM: allowed under a strict style-src
    s.font = "inherit"; s.fontWeight = "bold"; s.cursor = "pointer"; s.minHeight = "44px"; s.minWidth = "44px";
    s.padding = ".5rem 1rem"; s.border = "2px solid #ff8a80"; s.borderRadius = "6px";
    s.background = "#2a1a1e"; s.color = "#fde8e8";
    b.addEventListener("focus", function () { s.outline = "3px solid #ffd54f"; s.outlineOffset = "2px"; });
    b.addEventListener("blur", function () { s.outline = ""; });
    return b;
  }

  function showErrors(errors) {
    if (!overlay) focusBefore = document.activeElement;
    removeOverlay();
    lastErrors = errors;
    overlay = el("div");
    overlay.id = "atoll-error-overlay";
    overlay.setAttribute("role", "alertdialog");
    overlay.setAttribute("aria-labelledby", "atoll-error-title");
    var s = overlay.style;  // set through CSSOM: allowed under a strict style-src
    s.position = "fixed"; s.inset = "0"; s.zIndex = "2147483647"; s.overflow = "auto";
    s.padding = "2rem"; s.background = "rgba(20,20,28,.94)"; s.color = "#fde8e8";
    s.font = "14px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace"; s.boxSizing = "border-box";
    var head = el("div");
    head.style.display = "flex"; head.style.flexWrap = "wrap"; head.style.gap = "1rem";
    head.style.alignItems = "center"; head.style.justifyContent = "space-between";
    var title = el("h2", null, countText(errors));
    title.id = "atoll-error-title";
    title.style.color = "#ff8a80"; title.style.margin = "0";
    head.appendChild(title);
    var close = button("atoll-error-close", "Close \u2715", "Close the error overlay (Esc)");
    close.title = "Close (Esc): look at the last good build underneath";
    close.addEventListener("click", dismiss);
    head.appendChild(close);
    overlay.appendChild(head);
    errors.forEach(function (e) {
      var box = el("section", "atoll-error");
      box.style.margin = "1.5rem 0";
      var where = el("div", "atoll-error-location", e.location || "(site)");
      where.style.fontWeight = "bold";
      box.appendChild(where);
      box.appendChild(el("div", "atoll-error-message", e.message));
      if (e.hint) box.appendChild(el("div", "atoll-error-hint", "hint: " + e.hint));
      if (e.excerpt && e.excerpt.length) {
        var pre = el("pre");
        pre.style.background = "rgba(255,255,255,.06)"; pre.style.padding = ".75rem";
        e.excerpt.forEach(function (line) {
          var row = el("div", null, String(line.number).padStart(5, " ") + " | " + line.text);
          if (line.number === e.line) { row.style.background = "rgba(255,80,80,.3)"; }
          pre.appendChild(row);
        });
        box.appendChild(pre);
      }
      overlay.appendChild(box);
    });
    overlay.appendChild(el("p", null, "Fix the file and save: this page reloads by itself. "
      + "Close this (Esc) to see the last good build underneath."));
    document.body.appendChild(overlay);
    close.focus();
  }

  function removeOverlay() {
    if (overlay) { overlay.remove(); overlay = null; }
    if (badge) { badge.remove(); badge = null; }
  }

  function hideErrors() {
    removeOverlay();
    lastErrors = null;
  }

  // Closed by the author: the last good build shows, with a way back to the errors.
  function dismiss() {
    var errors = lastErrors;
    removeOverlay();
    lastErrors = errors;
    if (!errors) return;
    badge = button("atoll-error-badge", countText(errors) + " \u2014 show");
    badge.setAttribute("aria-live", "polite");
    var s = badge.style;
    s.position = "fixed"; s.right = "1rem"; s.bottom = "1rem"; s.zIndex = "2147483647";
    s.maxWidth = "calc(100vw - 2rem)"; s.boxShadow = "0 2px 12px rgba(0,0,0,.4)";
    s.fontFamily = "ui-monospace, SFMono-Regular, Menlo, monospace"; s.fontSize = "14px";
    badge.addEventListener("click", function () { showErrors(errors); });
    document.body.appendChild(badge);
    if (focusBefore && document.contains(focusBefore) && focusBefore.focus) focusBefore.focus();
    focusBefore = null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && overlay) { event.preventDefault(); dismiss(); }
  });

  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/livereload");
    ws.onopen = function () {
      retry = 250;
      ws.send(JSON.stringify({ command: "hello", protocols: ["http://livereload.com/protocols/official-7"] }));
    };
    ws.onmessage = function (event) {
      var m = JSON.parse(event.data);
      if (m.command === "hello") {
        ws.send(JSON.stringify({ command: "info", url: location.href, plugins: {} }));
        // A rebuild finished between serving this page and this connection: catch up.
        if (typeof m.atollBuild === "number" && m.atollBuild !== servedBuild && !m.atollErrors) location.reload();
      } else if (m.command === "reload") {
        if (/\.css$/.test(m.path || "") && m.liveCSS) reloadStyles(); else location.reload();
      } else if (m.command === "atoll-errors") {
        showErrors(m.errors || []);
      } else if (m.command === "atoll-ok") {
        hideErrors();
      }
    };
    ws.onclose = function () {
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 4000);
    };
  }

  connect();
})();
