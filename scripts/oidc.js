// The reader's sign-in state, with the API of oidc-client-ts's UserManager.
// The user {profile, expires_at} is in sessionStorage; other tabs hear of
// sign-in and sign-out by a localStorage signal (storage.js). The protocol
// (flows.js, protocol.js) loads on first use.

import { forget, keys, parse, remember, stored } from "./storage.js";

const flows = () => import("./flows.js");

/**
 * A server time (unix seconds) moved onto this device's clock, using the
 * answer's Date header: a device whose clock is off still expires the user
 * when the companion's session does, and never signs out a confirmed reader.
 */
function onThisClock(serverSeconds, dateHeader) {
  const serverNow = Date.parse(dateHeader ?? "");
  if (!Number.isFinite(serverSeconds) || !Number.isFinite(serverNow)) return serverSeconds;
  return Math.round(serverSeconds + (Date.now() - serverNow) / 1000);
}

export class UserManager {
  /** @param {object} settings the `#atoll-auth-config` object (ARCHITECTURE.md) */
  constructor(settings) {
    this.settings = { redirect_path: "/callback/", post_login_path: "/", post_logout_path: "/", companion_url: "/auth/session", ...settings };
    this.events = new UserManagerEvents();
    globalThis.addEventListener?.("storage", (event) => this._onStorage(event));
  }

  /** The signed-in user or null; an expired user counts as signed out (and is unloaded). */
  async getUser() {
    const user = stored(keys.user);
    if (user?.expires_at > Date.now() / 1000) return user;
    if (sessionStorage.getItem(keys.user) !== null) await this.removeUser();
    return null;
  }

  /** Forget the user in this tab (the companion session stays). */
  async removeUser() {
    sessionStorage.removeItem(keys.user);
    forget(keys.hint);
    this.events._unloaded();
  }

  /**
   * Ask the companion who is signed in (`GET companion_url`, answered
   * `{"user": {...}}` or `{"user": null}`): the user, kept in this tab, or
   * null, and this tab's user is removed. Rejects when the companion cannot
   * answer (no network, an error status): the state is then unknown.
   */
  async loadSession() {
    const response = await fetch(this.settings.companion_url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`The site's session endpoint answered HTTP ${response.status}.`);
    const answer = await response.json();
    if (!answer || typeof answer !== "object" || !("user" in answer)) throw new Error("The site's session endpoint did not answer {user}.");
    if (answer.user) {
      const { expires_at, ...confirmed } = answer.user;
      // The same reader as this tab's: keep what sign-in stored (ID token claims, browser_tokens).
      const kept = stored(keys.user);
      const same = kept?.profile?.sub === confirmed.sub;
      const profile = same ? { ...kept.profile, ...confirmed } : confirmed;
      const user = this._setUser({ ...(same ? kept : {}), profile, expires_at: onThisClock(expires_at, response.headers.get("Date")) });
      if (user) return user;
    }
    await this.removeUser();
    return null;
  }

  /** To the provider's sign-in page; back at the same-origin path `returnTo` after. */
  async signinRedirect({ returnTo } = {}) {
    return (await flows()).signinRedirect(this, { returnTo });
  }

  /** Complete sign-in at the callback URL: the user, plus its `returnTo`. */
  async signinCallback(url = location.href) {
    return (await flows()).signinCallback(this, url);
  }

  /**
   * End the companion session, clear storage, go to the provider's logout.
   * With `everywhere`, every session of this reader on this site ends (other browsers too).
   */
  async signoutRedirect({ everywhere = false } = {}) {
    return (await flows()).signoutRedirect(this, { everywhere });
  }

  /** Keep a (not yet expired) user and tell listeners; null otherwise. */
  _setUser(user) {
    if (!(user.expires_at > Date.now() / 1000)) return null;
    sessionStorage.setItem(keys.user, JSON.stringify(user));
    remember(keys.hint, "signed-in");
    this.events._loaded(user);
    return user;
  }

  /** Another tab signed in (ask the companion) or out (forget the user). */
  _onStorage({ key, newValue }) {
    const type = key === keys.signal && parse(newValue)?.type;
    if (type === "signin") this.loadSession().catch(() => null);
    if (type === "signout" && sessionStorage.getItem(keys.user)) this.removeUser();
  }
}

class UserManagerEvents {
  #loaded = new Set();
  #unloaded = new Set();

  addUserLoaded(callback) {
    this.#loaded.add(callback);
  }
  removeUserLoaded(callback) {
    this.#loaded.delete(callback);
  }
  addUserUnloaded(callback) {
    this.#unloaded.add(callback);
  }
  removeUserUnloaded(callback) {
    this.#unloaded.delete(callback);
  }
  _loaded(user) {
    for (const callback of [...this.#loaded]) callback(user);
  }
  _unloaded() {
    for (const callback of [...this.#unloaded]) callback();
  }
}
