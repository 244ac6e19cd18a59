// Tiny in-memory stand-ins for the browser globals the scripts use:
// sessionStorage, localStorage, location, history, fetch, addEventListener.
// crypto (getRandomValues, subtle), btoa/atob, URL, Response are Node's own.

export const SITE = "https://site.example";
export const ISSUER = "https://idp.example/pool";

export const CONFIG = Object.freeze({
  authority: ISSUER,
  client_id: "client-1",
  scope: "openid email profile",
  redirect_path: "/callback/",
  post_login_path: "/welcome/",
  post_logout_path: "/bye/",
  companion_url: "/auth/session",
  cognito_domain: null,
  browser_tokens: false,
  base_path: "/",
});

export const METADATA = Object.freeze({
  issuer: ISSUER,
  authorization_endpoint: "https://idp.example/oauth2/authorize",
  token_endpoint: "https://idp.example/oauth2/token",
  end_session_endpoint: "https://idp.example/oauth2/end-session",
  jwks_uri: "https://idp.example/pool/.well-known/jwks.json",
  code_challenge_methods_supported: ["S256"],
});

export class MemoryStorage {
  #items = new Map();

  get length() {
    return this.#items.size;
  }
  key(index) {
    return [...this.#items.keys()][index] ?? null;
  }
  getItem(key) {
    return this.#items.has(key) ? this.#items.get(key) : null;
  }
  setItem(key, value) {
    const oldValue = this.getItem(key);
    this.#items.set(String(key), String(value));
    this.onChange?.({ key, oldValue, newValue: String(value) });
  }
  removeItem(key) {
    const oldValue = this.getItem(key);
    this.#items.delete(key);
    if (oldValue !== null) this.onChange?.({ key, oldValue, newValue: null });
  }
  clear() {
    this.#items.clear();
  }
  keys() {
    return [...this.#items.keys()];
  }
  /** Every stored value, for "is this string anywhere?" checks. */
  dump() {
    return JSON.stringify([...this.#items]);
  }
}

export function jsonResponse(status, body) {
  if (status === 204) return new Response(null, { status });
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function base64url(text) {
  return Buffer.from(text).toString("base64url");
}

/** An unsigned-looking compact JWS with `claims` (the browser never checks the signature). */
export function makeJwt(claims, header = { alg: "RS256", kid: "k1" }) {
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}.c2lnbmF0dXJl`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Install a fresh fake browser tab on globalThis.
 * `routes(request)` answers fetches: request = {url, method, headers, body};
 * return a Response, or throw to play a network failure.
 */
export function installBrowser({ href = `${SITE}/`, routes = defaultRoutes() } = {}) {
  const tab = {
    sessionStorage: new MemoryStorage(),
    localStorage: new MemoryStorage(),
    requests: [],
    assigned: [],
    replaced: [],
    listeners: new Map(),
    routes,
  };
  let url = new URL(href);
  const location = {
    get href() {
      return url.href;
    },
    get origin() {
      return url.origin;
    },
    get pathname() {
      return url.pathname;
    },
    get search() {
      return url.search;
    },
    get hash() {
      return url.hash;
    },
    assign(target) {
      tab.assigned.push(String(target));
    },
    replace(target) {
      tab.replaced.push(String(target));
    },
  };
  tab.navigate = (target) => {
    url = new URL(target, url);
  };
  const history = {
    state: null,
    replaceState(state, _title, target) {
      this.state = state;
      url = new URL(target, url);
    },
  };
  async function fetch(resource, init = {}) {
    const request = {
      url: new URL(String(resource), url).href,
      method: init.method ?? "GET",
      headers: Object.fromEntries(new Headers(init.headers ?? {})),
      credentials: init.credentials,
      body: init.body === undefined ? undefined : String(init.body),
    };
    tab.requests.push(request);
    return tab.routes(request);
  }
  tab.dispatch = (type, event) => {
    for (const listener of tab.listeners.get(type) ?? []) listener(event);
  };
  Object.assign(globalThis, {
    sessionStorage: tab.sessionStorage,
    localStorage: tab.localStorage,
    location,
    history,
    fetch,
    addEventListener(type, listener) {
      if (!tab.listeners.has(type)) tab.listeners.set(type, []);
      tab.listeners.get(type).push(listener);
    },
  });
  return tab;
}

/**
 * A provider plus companion: discovery, token endpoint (answering with an ID
 * token for the nonce it was asked about) and /auth/session.
 */
export function defaultRoutes(overrides = {}) {
  const state = { nonce: undefined, claims: {}, tokenBody: {} };
  const routes = (request) => {
    const { pathname, origin } = new URL(request.url);
    const key = `${request.method} ${origin}${pathname}`;
    if (overrides[key]) return overrides[key](request, state);
    switch (key) {
      case `GET ${ISSUER}/.well-known/openid-configuration`:
        return jsonResponse(200, METADATA);
      case `POST ${METADATA.token_endpoint}`:
        return jsonResponse(200, {
          access_token: "access-token-value",
          id_token: makeJwt({
            iss: ISSUER,
            aud: CONFIG.client_id,
            sub: "user-1",
            name: "Ada <b>Lovelace</b>",
            "cognito:groups": ["admins"],
            iat: nowSeconds(),
            exp: nowSeconds() + 3600,
            nonce: state.nonce,
            at_hash: "x",
            ...state.claims,
          }),
          token_type: "Bearer",
          expires_in: 3600,
          refresh_token: "refresh-token-value",
          ...state.tokenBody,
        });
      case `POST ${SITE}/auth/session`:
        return jsonResponse(200, {
          sub: "user-1",
          username: "ada",
          email: "ada@example.com",
          name: "Ada <b>Lovelace</b>",
          groups: ["admins"],
          expires_at: nowSeconds() + 3000,
        });
      case `GET ${SITE}/auth/session`:
        return jsonResponse(200, { user: null });
      case `DELETE ${SITE}/auth/session`:
        return jsonResponse(204);
      default:
        return jsonResponse(404, { error: "not_found", message: key });
    }
  };
  routes.state = state;
  return routes;
}

/** Start a sign-in on the fake tab; returns the authorization request's parameters. */
export async function startSignin(manager, tab, returnTo) {
  await manager.signinRedirect({ returnTo });
  const url = new URL(tab.assigned.at(-1));
  const params = Object.fromEntries(url.searchParams);
  if (tab.routes.state) tab.routes.state.nonce = params.nonce;
  return { url, params };
}
