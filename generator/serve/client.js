// The dev server's client: live reload over the LiveReload protocol (official-7),
// plus the build-error overlay (the server's "atoll-errors" / "atoll-ok" commands).
// Injected by `atoll serve` only; never part of a built site.
(function () {
  "use strict";
  var script = document.currentScript;
  var servedBuild = script ? Number(script.getAttribute("data-build")) : 0;
  var overlay = null;
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

  function showErrors(errors) {
    hideErrors();
    overlay = el("div");
    overlay.id = "atoll-error-overlay";
    overlay.setAttribute("role", "alert");
    var s = overlay.style;  // set through CSSOM: allowed under a strict style-src
    s.position = "fixed"; s.inset = "0"; s.zIndex = "2147483647"; s.overflow = "auto";
    s.padding = "2rem"; s.background = "rgba(20,20,28,.94)"; s.color = "#fde8e8";
    s.font = "14px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace";
    var title = el("h2", null, "Build failed: " + errors.length + " error" + (errors.length === 1 ? "" : "s"));
    title.style.color = "#ff8a80";
    overlay.appendChild(title);
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
    overlay.appendChild(el("p", null, "Fix the file and save: this page reloads by itself."));
    document.body.appendChild(overlay);
  }

  function hideErrors() {
    if (overlay) { overlay.remove(); overlay = null; }
  }

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
