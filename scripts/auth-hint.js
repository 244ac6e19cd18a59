// Before the first paint (a classic script in <head>, so no inline script):
// when this browser was signed in last time, lay the page out signed in, still
// hidden until the companion answers (islands.js), so that the answer moves
// nothing on the page. The hint is a flag, never a user or a token.
try {
  if (localStorage.getItem("atoll.oidc.hint") === "signed-in") document.documentElement.dataset.atollHint = "signed-in";
} catch {
  // storage switched off: no hint, the signed-out layout stays hidden instead
}
