// index.html: the login choice. Someone who is logged in already also gets
// "Verder naar uw startpagina"; after logging out (?uitgelogd=1) the page
// says "U bent uitgelogd".

import { session, showSuccess, queryParam, HOME } from './poort.js';

const user = await session().catch(() => null);
if (user && HOME[user.rol]) {
  document.getElementById('verder').href = HOME[user.rol];
  document.getElementById('al-ingelogd').hidden = false;
} else if (queryParam('uitgelogd') === '1') {
  showSuccess(document.getElementById('uitgelogd'), 'U bent uitgelogd. Sluit ook uw browser als u een gedeelde computer gebruikt.');
}
