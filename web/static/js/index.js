// index.html: the login choice. Someone who is logged in already also gets
// "Verder naar uw startpagina".

import { session, HOME } from './poort.js';

const user = await session().catch(() => null);
if (user && HOME[user.rol]) {
  document.getElementById('verder').href = HOME[user.rol];
  document.getElementById('al-ingelogd').hidden = false;
}
