// What the browser keeps between pages: the storage keys, a reader that
// survives a damaged entry, and the signal other tabs of this origin hear.
// oidc.js (the reader's state) and flows.js (signing in and out) share it.

/** Storage keys: user and checked in sessionStorage, signal in localStorage. */
export const keys = { user: "atoll.oidc.user", checked: "atoll.oidc.checked", signal: "atoll.oidc.signal" };

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
