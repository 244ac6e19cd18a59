// What the browser keeps between pages: the storage keys, a reader that
// survives a damaged entry, and the signal other tabs of this origin hear.
// oidc.js (the reader's state) and flows.js (signing in and out) share it.

/**
 * Storage keys. sessionStorage: the user, and the page the last completed
 * sign-in returned to (for Back or reload onto its used callback).
 * localStorage: the cross-tab signal, and the hint "this browser was signed
 * in" that auth-hint.js reads before the first paint (a flag, nothing more).
 */
export const keys = {
  user: "atoll.oidc.user",
  returned: "atoll.oidc.returned",
  signal: "atoll.oidc.signal",
  hint: "atoll.oidc.hint",
};

/** JSON text as a value, or null when it is missing or unreadable. */
export function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The sessionStorage entry `key` as a value, or null. */
export const stored = (key) => parse(sessionStorage.getItem(key));

/** Tell the other tabs of this origin: the value is written and removed at once. */
export function signal(type) {
  localStorage.setItem(keys.signal, JSON.stringify({ type, at: Date.now() }));
  localStorage.removeItem(keys.signal);
}

/** localStorage writes that never throw (storage can be full or switched off). */
export function remember(key, value) {
  try {
    if (localStorage.getItem(key) !== value) localStorage.setItem(key, value);
  } catch {}
}

export function forget(key) {
  try {
    localStorage.removeItem(key);
  } catch {}
}
