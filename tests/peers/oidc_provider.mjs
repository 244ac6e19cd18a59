// node-oidc-provider (npm `oidc-provider` 9.x) as the certified third-party
// OpenID Connect provider of Atoll's browser tests. Test use only.
//
//   node tests/peers/oidc_provider.mjs --port 4400 --site http://127.0.0.1:4321 \
//        [--client-id atoll-peer] [--token-ttl 3600] [--key-bits 2048] [--no-kid] [--groups-at-userinfo]
//        [--no-cors] [--confidential]
//
// (or PEER_PORT, PEER_SITE, PEER_CLIENT_ID, PEER_TOKEN_TTL, PEER_KEY_BITS in the
// environment). --key-bits below 2048 makes the deliberately weak key that
// `atoll doctor`'s tests expect it to report.
// Listens on 127.0.0.1 only, with the issuer http://127.0.0.1:<port>. One public
// client: no client secret, authorization code and refresh tokens (rotated, revocable
// at /token/revocation), PKCE required, the site's
// exact callback `<site>/callback/`, sign-out back to `<site>/`. devInteractions
// gives a login form (fields `login`, `password`: any login is accepted) and a
// consent page. A fresh RS256 key with a random `kid` every run, so no key
// cache survives a restart by accident. Prints one line `ready <issuer>` on
// stdout when it listens; logs each request on stderr.
//
// Standard behaviours other providers have, to test Atoll against:
//   --no-kid              one signing key and no `kid`, in the JWKS and in ID token headers
//                         (OpenID Connect Core 10.1 allows it when the set has one key)
//   --groups-at-userinfo  a `groups` claim (scope profile) released at userinfo only (Core 5.4)
// and the provider-side refusals a site's author must be told about:
//   --no-cors             no CORS for the site's origin at the token endpoint (discovery keeps it)
//   --confidential        the client registered with a secret (not a public client)

import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { parseArgs } from "node:util";

import Provider from "oidc-provider";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PEER_PORT },
    site: { type: "string", default: process.env.PEER_SITE },
    "client-id": { type: "string", default: process.env.PEER_CLIENT_ID ?? "atoll-peer" },
    "token-ttl": { type: "string", default: process.env.PEER_TOKEN_TTL ?? "3600" },
    "key-bits": { type: "string", default: process.env.PEER_KEY_BITS ?? "2048" },
    "no-kid": { type: "boolean", default: false },
    "groups-at-userinfo": { type: "boolean", default: false },
    "no-cors": { type: "boolean", default: false },
    confidential: { type: "boolean", default: false },
  },
});

const port = Number(args.port);
const ttl = Number(args["token-ttl"]);
if (!Number.isInteger(port) || port <= 0 || !args.site || !(ttl > 0)) {
  console.error("usage: node oidc_provider.mjs --port PORT --site http://127.0.0.1:SITE_PORT [--client-id ID] [--token-ttl SECONDS]");
  process.exit(2);
}
const site = new URL(args.site).origin;
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: Number(args["key-bits"]) });
const signingKey = { ...privateKey.export({ format: "jwk" }), kid: randomBytes(12).toString("base64url"), alg: "RS256", use: "sig" };

// Accounts: whatever login the dev form is given; the claims say who it is.
const accounts = {
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims(use) {
        const claims = { sub, name: `Peer ${sub}`, preferred_username: sub, email: `${sub}@peer.example`, email_verified: true };
        if (args["groups-at-userinfo"] && use === "userinfo") claims.groups = ["readers", "peers"];
        return claims;
      },
    };
  },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args["client-id"],
      // --confidential: a client registered with a secret, as a misconfigured app client is.
      ...(args.confidential
        ? { token_endpoint_auth_method: "client_secret_basic", client_secret: randomBytes(24).toString("base64url") }
        : { token_endpoint_auth_method: "none" }),
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      redirect_uris: [`${site}/callback/`],
      post_logout_redirect_uris: [`${site}/`],
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString("base64url")] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    // RFC 7009 at /token/revocation, listed in discovery: the companion revokes at sign-out.
    revocation: { enabled: true },
  },
  // A refresh token with every sign-in, as Cognito gives one (no offline_access scope
  // needed). Public clients get them rotated on each use (the provider's default).
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed("refresh_token"),
  // Name and email in the ID token itself, as Cognito does.
  conformIdTokenClaims: false,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username", ...(args["groups-at-userinfo"] ? ["groups"] : [])],
  },
  clientBasedCORS: (ctx, origin) => !args["no-cors"] && origin === site,
  ttl: { AccessToken: ttl, IdToken: ttl, RefreshToken: 14 * 24 * 3600, Grant: 14 * 24 * 3600, Session: 14 * 24 * 3600, Interaction: 3600 },
  findAccount: accounts.findAccount,
});

/** The compact JWS `jwt` signed again by the same key, its header without `kid`. */
function withoutKid(jwt) {
  const [header, payload] = jwt.split(".");
  const { kid, ...rest } = JSON.parse(Buffer.from(header, "base64url").toString());
  const input = `${Buffer.from(JSON.stringify(rest)).toString("base64url")}.${payload}`;
  return `${input}.${sign("RSA-SHA256", Buffer.from(input), privateKey).toString("base64url")}`;
}

provider.use(async (ctx, next) => {
  await next();
  if (args["no-kid"] && ctx.body && typeof ctx.body === "object") {
    if (ctx.path === "/jwks" && Array.isArray(ctx.body.keys)) {
      ctx.body = { keys: ctx.body.keys.map(({ kid, ...key }) => key) };
    } else if (ctx.path === "/token" && typeof ctx.body.id_token === "string") {
      ctx.body = { ...ctx.body, id_token: withoutKid(ctx.body.id_token) };
    }
  }
  console.error(`${ctx.method} ${ctx.path} ${ctx.status}`);
});

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`ready ${issuer}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
