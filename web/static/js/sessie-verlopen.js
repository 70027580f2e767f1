// sessie-verlopen.html: "Opnieuw inloggen" logs in with the service that fits
// the page the user was on (?terug=<path and query>) and goes back there.

import { queryParam } from './poort.js';

const ADMIN_PAGES = ['/beheer.html', '/cohorten.html', '/voorwaarden-beheer.html', '/gemeenten.html', '/aanvragen.html',
  '/aanvraag-beoordelen.html', '/uitgaande-berichten.html', '/audit.html'];

/** A path on this site (never another host), at most 512 characters; else null. */
function localPath(value) {
  if (typeof value !== 'string' || value.length > 512) return null;
  if (!/^\/(?![/\\])[A-Za-z0-9._~\-/?=&%+]*$/.test(value)) return null;
  return value;
}

const back = localPath(queryParam('terug'));
if (back) {
  const path = back.split('?')[0];
  const service = ADMIN_PAGES.includes(path) ? 'admin' : path === '/ondertekenen.html' ? 'signing' : 'casework';
  const link = document.getElementById('opnieuw-inloggen');
  link.href = `/saml/login?service=${service}&target=${encodeURIComponent(back)}`;
}
