// The default theme's behaviour, on every page. A classic script in <head>
// (not a module, not deferred), so the reader's colour scheme is on <html>
// before the first paint: no flash, and no inline script (pages keep working
// under Content-Security-Policy: script-src 'self'). Everything else waits
// for the document: the theme toggle, the docs menu on small screens, the
// "On this page" rail, copy buttons on code blocks, and the search box, whose
// code (search.js) loads only once a reader reaches for it.

(() => {
  const root = document.documentElement;
  const KEY = "atoll-theme";
  const systemDark = matchMedia("(prefers-color-scheme: dark)");
  root.dataset.js = "";

  const stored = () => {
    try {
      const value = localStorage.getItem(KEY);
      return value === "dark" || value === "light" ? value : null;
    } catch {
      return null; // storage blocked: follow the system
    }
  };
  const current = () => stored() ?? (systemDark.matches ? "dark" : "light");
  const apply = () => {
    const scheme = current();
    root.dataset.theme = scheme;
    for (const button of document.querySelectorAll("[data-atoll-theme-toggle]")) {
      const next = scheme === "dark" ? "light" : "dark";
      button.setAttribute("aria-label", `Switch to ${next} theme`);
      button.title = `Switch to ${next} theme`;
    }
  };
  apply();
  systemDark.addEventListener("change", apply);
  addEventListener("storage", (event) => event.key === KEY && apply()); // another tab chose

  const ready = (fn) => (document.readyState === "loading" ? document.addEventListener("DOMContentLoaded", fn) : fn());

  ready(() => {
    apply();
    document.addEventListener("click", (event) => {
      const toggle = event.target.closest?.("[data-atoll-theme-toggle]");
      if (toggle) {
        const next = current() === "dark" ? "light" : "dark";
        try {
          localStorage.setItem(KEY, next);
        } catch {
          root.dataset.theme = next; // not remembered, but still switched
          return;
        }
        apply();
      }
      const menu = event.target.closest?.("[data-atoll-menu]");
      if (menu) {
        const open = root.classList.toggle("nav-open");
        menu.setAttribute("aria-expanded", String(open));
        if (open) document.getElementById(menu.getAttribute("aria-controls"))?.querySelector("a")?.focus();
      }
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && root.classList.contains("nav-open")) {
        root.classList.remove("nav-open");
        const menu = document.querySelector("[data-atoll-menu]");
        menu?.setAttribute("aria-expanded", "false");
        menu?.focus();
      }
    });
    railOnWideScreens();
    copyButtons();
    searchOnDemand();
  });

  // "On this page" is a <details>: open (and shown as a rail) on wide screens, closed on narrow ones.
  function railOnWideScreens() {
    const details = document.querySelector(".toc > details");
    if (!details) return;
    const wide = matchMedia("(min-width: 72rem)");
    const follow = () => (details.open = wide.matches);
    follow();
    wide.addEventListener("change", follow);
    // Mark the section being read: the last heading above the upper third of the window.
    const links = [...details.querySelectorAll("a[href^='#']")];
    const targets = links.map((a) => document.getElementById(decodeURIComponent(a.hash.slice(1))));
    if (!targets.every(Boolean)) return;
    let queued = false;
    const mark = () => {
      queued = false;
      const line = innerHeight / 3;
      let current = -1;
      targets.forEach((t, i) => t.getBoundingClientRect().top < line && (current = i));
      links.forEach((a, i) => (i === current ? a.setAttribute("aria-current", "true") : a.removeAttribute("aria-current")));
    };
    addEventListener("scroll", () => queued || ((queued = true), requestAnimationFrame(mark)), { passive: true });
    mark();
  }

  function copyButtons() {
    for (const block of document.querySelectorAll(".code")) {
      const code = block.querySelector("code");
      if (!code) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code to clipboard");
      const status = document.createElement("span");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      button.addEventListener("click", async () => {
        const clone = code.cloneNode(true);
        clone.querySelectorAll(".linenos").forEach((n) => n.remove());
        try {
          await navigator.clipboard.writeText(clone.textContent);
          button.textContent = "Copied";
          status.textContent = "Code copied to the clipboard";
        } catch {
          button.textContent = "Press Ctrl+C";
          getSelection().selectAllChildren(code);
        }
        setTimeout(() => ((button.textContent = "Copy"), (status.textContent = "")), 2000);
      });
      (block.querySelector(".code-head") ?? block).append(button, status);
    }
  }

  // The search box loads its code (and the Pagefind index) on first use.
  function searchOnDemand() {
    const box = document.querySelector("[data-atoll-search]");
    if (!box) return;
    const input = box.querySelector("input");
    let loading = null;
    const load = () => (loading ??= import("./search.js").then((m) => m.mountSearch(box)));
    input.addEventListener("focus", load, { once: true });
    input.addEventListener("pointerenter", load, { once: true });
    document.addEventListener("keydown", (event) => {
      const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) || event.target.isContentEditable;
      if ((event.key === "/" && !typing) || (event.key === "k" && (event.ctrlKey || event.metaKey))) {
        event.preventDefault();
        input.focus();
      }
    });
  }
})();
