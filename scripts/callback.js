// The callback page (auth.redirect_path): completes the sign-in, waits for the
// companion to accept the tokens, then goes to the return path. Whatever goes
// wrong is said in #atoll-callback, as text, with a way to sign in again.

import { UserManager } from "./oidc.js";
import { codes } from "./protocol.js";

const HEADLINES = {
  [codes.NO_RESPONSE]: "There is no sign-in to complete here.",
  [codes.STATE_NOT_FOUND]: "This sign-in cannot be completed.",
  [codes.PROVIDER_ERROR]: "The sign-in provider did not sign you in.",
  [codes.PROVIDER_UNREACHABLE]: "The sign-in provider cannot be reached.",
  [codes.COMPANION_REFUSED]: "This site did not accept the sign-in.",
  [codes.COMPANION_UNREACHABLE]: "This site's session service cannot be reached.",
  [codes.INSECURE_CONTEXT]: "Sign-in needs a secure page.",
};

const box = document.getElementById("atoll-callback") ?? document.body.appendChild(document.createElement("div"));
const configElement = document.getElementById("atoll-auth-config");

if (configElement) {
  complete(new UserManager(JSON.parse(configElement.textContent)));
} else {
  say("This site has no sign-in configured.");
}

async function complete(manager) {
  const { post_login_path } = manager.settings;
  say("Signing you in…");
  try {
    const user = await manager.signinCallback();
    heading("Signed in");
    say("Signed in. Taking you on…");
    location.replace(user.returnTo ?? post_login_path);
  } catch (error) {
    // A reload or Back onto a used callback URL: if the companion says this reader
    // is signed in, go on to where that sign-in started.
    const used = error.code === codes.NO_RESPONSE || error.code === codes.STATE_NOT_FOUND;
    const user = used ? await manager.loadSession().catch(() => null) : null;
    if (user) {
      heading("Signed in");
      say("You are signed in. Taking you back…");
      location.replace((await lastReturnPath(manager.settings)) ?? post_login_path);
      return;
    }
    document.documentElement.dataset.atollAuth = "signed-out";
    console.error(error);
    fail(manager, error);
  }
}

/** The page's heading says what happened, as its message does. */
function heading(text) {
  const title = document.querySelector("main h1");
  if (title) title.textContent = text;
}

async function lastReturnPath(settings) {
  return (await import("./flows.js")).lastReturnPath(settings);
}

function paragraph(text, attributes = {}) {
  const element = document.createElement("p");
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.textContent = text;
  return element;
}

function say(text) {
  box.replaceChildren(paragraph(text, { role: "status" }));
}

function fail(manager, error) {
  const details = [error.message];
  if (error.code === codes.PROVIDER_ERROR && error.error && error.error_description) details.push(`(${error.error})`);
  const hint = typeof error.hint === "string" ? [paragraph(error.hint, { "data-atoll-callback-hint": "" })] : [];
  const again = document.createElement("button");
  again.type = "button";
  again.textContent = "Sign in again";
  again.addEventListener("click", () =>
    manager.signinRedirect({ returnTo: manager.settings.post_login_path }).catch((next) => fail(manager, next)),
  );
  const home = document.createElement("a");
  home.href = manager.settings.base_path ?? "/";
  home.textContent = "Back to the site";
  heading(HEADLINES[error.code] ?? "Sign-in failed.");
  box.replaceChildren(
    paragraph(details.join(" "), { role: "alert", "data-atoll-callback-error": error.code ?? "UNKNOWN" }),
    ...hint,
    again,
    document.createTextNode(" "),
    home,
  );
}
