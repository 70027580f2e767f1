// geen-toegang.html: the header of whoever is logged in, and the way to their own start page.

import { session, fillHeader, HOME } from './poort.js';

const user = await session().catch(() => null);
if (user) {
  fillHeader(user);
  if (HOME[user.rol]) document.getElementById('startpagina').href = HOME[user.rol];
}
