// Auth islands, on every page: <html data-atoll-auth="signed-in|signed-out">,
// [data-atoll-signin] / [data-atoll-signout] controls, [data-atoll-user] (as
// text only), [data-atoll-group] marks. Presentation, not protection: the
// static HTML is public.

import { UserManager } from "./oidc.js";
import { displayName, groupsOf } from "./profile.js";

const configElement = document.getElementById("atoll-auth-config");
/** The page's UserManager, or null without an auth config; a site's own scripts import it. */
export const manager = configElement ? new UserManager(JSON.parse(configElement.textContent)) : null;
if (manager) start(manager);

async function start(manager) {
  let expiryTimer;
  const render = (user) => {
    clearTimeout(expiryTimer);
    show(user);
    // An expired user counts as signed out: flip when the time comes.
    if (user) expiryTimer = setTimeout(async () => render(await manager.getUser()), Math.min(2 ** 31 - 1, user.expires_at * 1000 - Date.now()));
  };
  manager.events.addUserLoaded(render);
  manager.events.addUserUnloaded(() => render(null));
  document.addEventListener("click", (event) => onClick(event, manager));
  // Back/forward cache: the page may come back from before a sign-in or sign-out.
  addEventListener("pageshow", async (event) => event.persisted && render(await manager.getUser()));

  // A new tab has no user in sessionStorage, so it asks the companion's cookie
  // session once (but not on the callback page, which is making one).
  const onCallbackPage = location.pathname === manager.settings.redirect_path;
  const user = (await manager.getUser()) ?? (onCallbackPage ? null : await manager.loadSession({ once: true }));
  render(user);
  autostart(user);
}

// A protected page's prompt with auth.signed_out: redirect starts the sign-in by itself,
// once per page and tab: a host that serves the prompt to everybody must not loop.
function autostart(user) {
  const control = document.querySelector("[data-atoll-signin][data-atoll-autostart]");
  const key = `atoll.autostart:${location.pathname}`;
  if (!control || user || sessionStorage.getItem(key)) return;
  sessionStorage.setItem(key, "1");
  control.click();
}

function show(user) {
  const profile = user?.profile ?? {};
  document.documentElement.dataset.atollAuth = user ? "signed-in" : "signed-out";
  for (const element of document.querySelectorAll("[data-atoll-user]")) {
    element.textContent = user ? claimText(profile, element.dataset.atollUser || "name") : "";
  }
  const groups = groupsOf(profile);
  for (const element of document.querySelectorAll("[data-atoll-group]")) {
    element.toggleAttribute("data-atoll-member", groups.includes(element.dataset.atollGroup));
  }
}

function claimText(profile, claim) {
  const value = claim === "name" ? displayName(profile) : profile[claim];
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

async function onClick(event, manager) {
  const control = event.target.closest?.("[data-atoll-signin], [data-atoll-signout]");
  if (!control) return;
  event.preventDefault();
  try {
    if (control.hasAttribute("data-atoll-signin")) {
      await manager.signinRedirect({ returnTo: location.pathname + location.search + location.hash });
    } else {
      await manager.signoutRedirect();
    }
  } catch (error) {
    console.error(error);
    // Say so beside the control, as text.
    let note = control.nextElementSibling;
    if (!note?.hasAttribute("data-atoll-error")) {
      note = document.createElement("span");
      note.setAttribute("data-atoll-error", "");
      note.setAttribute("role", "alert");
      control.after(note);
    }
    note.textContent = typeof error.hint === "string" ? `${error.message} ${error.hint}` : error.message;
  }
}
