import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { parseDesiredSources } from '../../src/desired/parse.js';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { noteDiagnostic, renderImport } from '../../src/import/render.js';
import type { ImportResult } from '../../src/import/types.js';

/** The shared renderer of every importer: the document as export writes it, comments where they belong. */

const document = {
  version: 1 as const,
  services: [
    { name: 'web', protocol: 'tcp' as const, address: '10.0.0.1', port: 80, scheduler: 'wrr', realServers: [{ address: '10.1.1.1', method: 'nat' as const, weight: 1 }] },
    { fwmark: 3, scheduler: 'rr', realServers: [] },
  ],
};

test('without comments the body is what export writes (yaml stringify, lineWidth 0), under the header', () => {
  const text = renderImport({ document, comments: [], notes: [] }, ['Imported by lvsync from x.', 'Review it.']);
  assert.equal(text, `# Imported by lvsync from x.\n# Review it.\n${stringify(document, { lineWidth: 0 })}`);
});

test('comments go before their service, or under the header; each starts with its source position', () => {
  const result: ImportResult = {
    document,
    comments: [
      { service: 1, text: 'fwmark kept as is', at: { file: 'k.conf', line: 12 } },
      { service: null, text: 'vrrp_instance VI_1 stays in keepalived\nsee --keep-vrrp', at: { file: 'k.conf', line: 3, col: 5 } },
      { service: 1, text: 'second note', at: { file: 'inc/b.conf', line: 1 } },
      // an index past the end is not lost: it goes to the top
      { service: 7, text: 'about a service that is not there', at: { file: 'k.conf', line: 40 } },
    ],
    notes: [],
  };
  const text = renderImport(result, ['header']);
  assert.equal(text.split('\n').slice(0, 5).join('\n'), [
    '# header',
    '# k.conf:3:5: vrrp_instance VI_1 stays in keepalived',
    '#   see --keep-vrrp',
    '# k.conf:40: about a service that is not there',
    'version: 1',
  ].join('\n'));
  assert.match(text, /\n {8}weight: 1\n {2}# k\.conf:12: fwmark kept as is\n {2}# inc\/b\.conf:1: second note\n {2}- fwmark: 3\n/);
  // comments never change the document
  const parsed = parseDesiredSources([{ file: 'x.yaml', text }]);
  assert.deepEqual(parsed.diagnostics, []);
  assert.equal(parsed.state?.table.services.size, 2);
});

test('a note prints like every diagnostic: file:line:col: severity[CODE]: message (see related)', () => {
  assert.equal(formatDiagnostic(noteDiagnostic({ severity: 'info', code: 'IMPORT_KEPT', message: 'm', at: { file: 'k.conf', line: 2 } })), 'k.conf:2:1: info[IMPORT_KEPT]: m');
  assert.equal(
    formatDiagnostic(noteDiagnostic({ severity: 'error', code: 'IMPORT_COLLISION', message: 'm', at: { file: 'a', line: 5, col: 3 }, related: { file: 'b', line: 1 } })),
    'a:5:3: error[IMPORT_COLLISION]: m (see b:1:1)',
  );
});
