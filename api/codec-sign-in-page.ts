/**
 * The operator's sign-in page for the Temporal UI's codec session (api/routes/codec-session.ts):
 * a token field that opens a session and a sign-out button. No inline script, so the policy can
 * forbid every script but its own file; the token goes in a header, never in a URL or a form post.
 */
export const SIGN_IN_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const SIGN_IN_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>rackshift: decode payloads in the Temporal UI</title></head>
<body>
<h1>Decode payloads in the Temporal UI</h1>
<p>Sign in with an operator or admin token. This browser then gets a cookie, valid for a short
while and only for the codec server, with which the Temporal UI shows rackshift's encrypted
inputs and results decoded. The token itself stays here.</p>
<form id="sign-in">
  <label>Token <input id="token" type="password" autocomplete="off" required></label>
  <button id="submit" type="submit">Sign in</button>
</form>
<p><button id="sign-out" type="button">Sign out</button></p>
<p id="status" role="status"></p>
<p>In the Temporal UI the codec server is <code id="endpoint"></code> with
<em>include cross-origin credentials</em> on (the UI's settings, or its server's
TEMPORAL_CODEC_ENDPOINT and TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true).</p>
<script src="session.js"></script>
</body>
</html>
`;

export const SIGN_IN_SCRIPT = `'use strict';
const byId = (id) => document.getElementById(id);
const say = (text) => { byId('status').textContent = text; };
byId('endpoint').textContent = new URL('.', location.href).href.replace(/\\/$/, '');
byId('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = byId('token').value.trim();
  byId('token').value = '';
  const res = await fetch('session', {
    method: 'POST',
    headers: { authorization: 'Bearer ' + token },
  });
  const body = await res.json().catch(() => ({}));
  say(res.ok
    ? 'Signed in as ' + body.name + ' (' + body.role + ') until '
      + new Date(body.expiresAt).toLocaleTimeString() + '.'
    : 'Refused: ' + ((body.error && body.error.message) || res.status));
});
byId('sign-out').addEventListener('click', async () => {
  await fetch('session', { method: 'DELETE' });
  say('Signed out.');
});
`;
