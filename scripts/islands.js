// Auth islands, on every page: <html data-atoll-auth="unknown|signed-in|signed-out">
// (unknown until the companion confirms the session: on load, and again when the
// tab becomes visible), [data-atoll-signin] / [data-atoll-signout] (="everywhere")
// controls, [data-atoll-user] (as text only), [data-atoll-group] marks.
// Presentation, not protection: the static HTML is public.

import { UserManager } from "./oidc.js";
import { displayName, groupsOf } from "./profile.js";

/** The longest time auth-dependent UI stays hidden while the companion has not answered. */
const UNKNOWN_MAX_MS = 2000;

const configElement = document.getElementById("atoll-auth-config");
/** The page's UserManager, or null without an auth config; a site's own scripts import it. */
export const manager = configElement ? new UserManager(JSON.parse(configElement.textContent)) : null;
if (manager) start(manager);

async function start(manager) {
  let expiryTimer;
  const render = (user) => {
    clearTimeout(expiryTimer);
    show(user);
    setState(user ? "signed-in" : "signed-out");
    // When the session's expiry comes, ask again: the companion may have refreshed it.
    if (user) expiryTimer = setTimeout(confirm, Math.min(2 ** 31 - 1, Math.max(5000, user.expires_at * 1000 - Date.now())));
  };
  // The companion decides. Until it answers the page stays "unknown" (see site.css);
  // when it cannot answer, a page still unknown shows signed out.
  const confirm = () => manager.loadSession().catch(() => stateIs("unknown") && render(null));
  manager.events.addUserLoaded(render);
  manager.events.addUserUnloaded(() => render(null));
  document.addEventListener("click", (event) => onClick(event, manager));
  // Back/forward cache, or a tab coming back into view: the session may have ended meanwhile.
  addEventListener("pageshow", (event) => event.persisted && confirm());
  document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && confirm());

  // Fill in the names this tab knew while the page is still hidden, so the answer moves nothing.
  const known = await manager.getUser();
  if (known) show(known);
  const bound = setTimeout(() => stateIs("unknown") && render(null), UNKNOWN_MAX_MS);
  // The callback page makes the session itself (callback.js).
  if (location.pathname !== manager.settings.redirect_path) await confirm();
  clearTimeout(bound);
  autostart(await manager.getUser());
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

const stateIs = (state) => document.documentElement.dataset.atollAuth === state;

function setState(state) {
  if (stateIs(state)) return;
  document.documentElement.dataset.atollAuth = state;
  document.dispatchEvent(new CustomEvent("atoll:auth", { detail: { state } }));
}

function show(user) {
  const profile = user?.profile ?? {};
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
      await manager.signoutRedirect({ everywhere: control.dataset.atollSignout === "everywhere" });
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
