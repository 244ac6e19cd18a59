// The reader's sign-in state, with the API of oidc-client-ts's UserManager.
// The user {profile, expires_at} is in sessionStorage; other tabs hear of
// sign-in and sign-out by a localStorage signal (storage.js). The protocol
// (flows.js, protocol.js) loads on first use.

import { keys, parse, stored } from "./storage.js";

const flows = () => import("./flows.js");

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
    this.events._unloaded();
  }

  /**
   * The user of the companion's cookie session (which a new tab shares,
   * unlike sessionStorage), or null. With `once`, a tab asks one time only.
   */
  async loadSession({ once = false } = {}) {
    if (once && sessionStorage.getItem(keys.checked)) return null;
    sessionStorage.setItem(keys.checked, "1");
    try {
      const response = await fetch(this.settings.companion_url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) return null;
      const { expires_at, ...profile } = await response.json();
      return this._setUser({ profile, expires_at });
    } catch {
      return null;
    }
  }

  /** To the provider's sign-in page; back at the same-origin path `returnTo` after. */
  async signinRedirect({ returnTo } = {}) {
    return (await flows()).signinRedirect(this, { returnTo });
  }

  /** Complete sign-in at the callback URL: the user, plus its `returnTo`. */
  async signinCallback(url = location.href) {
    return (await flows()).signinCallback(this, url);
  }

  /** End the companion session, clear storage, go to the provider's logout. */
  async signoutRedirect() {
    return (await flows()).signoutRedirect(this);
  }

  /** Keep a (not yet expired) user and tell listeners; null otherwise. */
  _setUser(user) {
    if (!(user.expires_at > Date.now() / 1000)) return null;
    sessionStorage.setItem(keys.user, JSON.stringify(user));
    this.events._loaded(user);
    return user;
  }

  /** Another tab signed in (ask the companion) or out (forget the user). */
  _onStorage({ key, newValue }) {
    const type = key === keys.signal && parse(newValue)?.type;
    if (type === "signin") this.loadSession();
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
