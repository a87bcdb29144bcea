// The login form: POST /api/login, then on to the dashboard.

import {api, ApiError} from './api.js';

const form = document.getElementById('login-form');
const message = document.getElementById('login-message');
const button = form.querySelector('button[type=submit]');

function show(text) {
  message.textContent = text;
  message.hidden = !text;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const username = form.username.value.trim();
  const password = form.password.value;
  if (!username || !password) {
    show('Enter your user name and password.');
    return;
  }
  show('');
  button.disabled = true;
  button.textContent = 'Logging in…';
  try {
    await api('/api/login', {method: 'POST', body: {username, password}});
    location.assign('/');
  } catch (err) {
    const status = err instanceof ApiError ? err.status : 0;
    if (status === 401) show('Wrong user name or password.');
    else if (status === 429) show(`Too many failed logins: ${err.message.replace(/^too many failed logins: /, '')}.`);
    else show(err.message ? `Cannot log in: ${err.message}.` : 'Cannot log in.');
    form.password.select();
  } finally {
    button.disabled = false;
    button.textContent = 'Log in';
  }
});

// Already logged in (e.g. the back button): straight to the dashboard.
if (document.cookie.includes('storelens_csrf=')) fetch('/api/me', {credentials: 'same-origin'}).then((r) => { if (r.ok) location.assign('/'); }).catch(() => {});
