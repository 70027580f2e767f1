// fout.html: shows the reference (?kenmerk=<request id>) to quote to Justid, when given.

import { queryParam } from './poort.js';

const kenmerk = queryParam('kenmerk');
if (kenmerk && /^[A-Za-z0-9._:-]{1,80}$/.test(kenmerk)) {
  document.getElementById('kenmerk-waarde').textContent = kenmerk;
  document.getElementById('kenmerk').hidden = false;
}
