import assert from 'node:assert/strict';
import { test } from 'node:test';
import { declareFile, type FileDecls } from '../../src/desired/declare.js';
import { declareAgain, splitServices, type Declared } from '../../src/desired/declare-reuse.js';

/**
 * declare-reuse.ts must give exactly what declareFile gives: the same services (values, paths,
 * places), scope, settings, overlay and diagnostics, on every version of a file in a chain of
 * random edits, whether it reused the unchanged services or declared the whole file again.
 */

const FILE = 'conf/web.yaml';

function item(i: number, weight: number, style: number): string {
  const head = style % 3 === 0
    ? `  - name: svc-${i}\n    protocol: tcp\n`
    : style % 3 === 1 ? `  -\n    name: svc-${i}\n    protocol: tcp\n` : `  - name: svc-${i}   # the ${i}th\n    protocol: tcp\n`;
  return `${head}    address: 192.168.10.${i + 1}\n    port: 80\n    scheduler: wrr\n    realServers:\n      - { address: 10.0.${i}.1, port: 8080, method: nat, weight: ${weight} }\n      - address: 10.0.${i}.2\n        port: 8080\n        weight: ${weight + 1}\n`;
}

interface Doc { weights: number[]; styles: number[]; extra: Map<number, string>; frame: string; tail: string }

function render(d: Doc): string {
  const items = d.weights.map((w, i) => item(i, w, d.styles[i]!) + (d.extra.get(i) ?? '')).join('');
  return `# generated\nversion: 1\n${d.frame}services:\n  # first comment\n${items}${d.tail}`;
}

/** what declareFile's answer is made of, with every lazy position read */
function view(decls: FileDecls) {
  return {
    services: decls.services.map((s) => ({
      raw: s.raw, path: s.path, at: { line: s.at.line, col: s.at.col, pointer: s.at.pointer },
      port: (({ line, col }) => ({ line, col }))(s.locator.value([...s.path, 'port'])),
    })),
    scope: decls.scope ? { raw: decls.scope.raw, path: decls.scope.path } : null,
    settings: decls.settings ? { timeouts: decls.settings.timeouts, syncDaemon: decls.settings.syncDaemon, sysctls: decls.settings.sysctls } : null,
    overlay: decls.overlay ? { overrides: decls.overlay.overrides.map((o) => ({ director: o.director, raw: o.raw, at: { line: o.at.line, col: o.at.col } })) } : null,
    diagnostics: decls.diagnostics,
  };
}

function rng(seed: number): () => number {
  let x = seed;
  return () => { x = (x * 1103515245 + 12345) % 2 ** 31; return x / 2 ** 31; };
}

// `edits` items changed per version at most: the changed items of a version are read together
function randomChain(seed: number, edits: number): void {
  const random = rng(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const n = 24;
  const doc: Doc = {
    weights: Array.from({ length: n }, (_, i) => 1 + (i % 5)), styles: Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0 : 2)),
    extra: new Map(), frame: 'scope: { addresses: ["192.168.10.0/24"] }\ntimeouts: { tcp: 900 }\noverrides:\n  lb2:\n    services:\n      svc-1:\n        scheduler: rr\n        realServers:\n          - { address: 10.0.1.1, weight: 0 }\n', tail: '',
  };
  let previous: Declared | undefined;
  let reusedVersions = 0;
  for (let step = 0; step < 300; step++) {
    for (let e = 1 + pick(edits); e > 0; e--) edit();
    const text = render(doc);
    const next = declareAgain(FILE, text, previous);
    assert.deepEqual(view(next.decls), view(declareFile(FILE, text)), `step ${step}`);
    if (previous?.reuse && next.reuse && next.decls.services.some((s, i) => s.raw === previous!.decls.services[i]?.raw)) reusedVersions++;
    previous = next;
  }
  assert.ok(reusedVersions > 50, `services were reused in ${reusedVersions} of 300 versions`);

  function edit(): void {
    const k = pick(n);
    const r = pick(100);
    if (r < 60) doc.weights[k] = 1 + pick(50); // the common edit
    else if (r < 70) doc.extra.set(k, doc.extra.get(k) ? '' : '    # a comment line\n'); // lines move
    else if (r < 74) doc.weights[k] = -1; // a schema error in one service
    else if (r < 78) doc.styles[k] = pick(5) === 0 ? 1 : pick(2) * 2; // 1: outside the fast reader's subset
    else if (r < 83) doc.frame = doc.frame.includes('tcp: 900 ') ? doc.frame.replace('tcp: 900 ', 'tcp: 600 ') : doc.frame.replace('tcp: 600 ', 'tcp: 900 ');
    else if (r < 88) doc.tail = doc.tail ? '' : 'sysctls: { net.ipv4.vs.expire_nodest_conn: 1 }\n';
    else for (let j = 0; j < n; j++) { if (doc.weights[j]! < 0) doc.weights[j] = 3; if (doc.styles[j] === 1) doc.styles[j] = 0; } // all fixed
  }
}

test('a chain of random edits: every version declared from the last is what declareFile gives', () => {
  randomChain(13, 1);
});

test('a chain of random edits to several services at once (read together): every version is what declareFile gives', () => {
  randomChain(29, 6);
});

test('one weight changed: the other services are the same objects, the changed one is read again', () => {
  const doc: Doc = { weights: [1, 2, 3, 4], styles: [0, 2, 2, 0], extra: new Map(), frame: '', tail: '' };
  const first = declareAgain(FILE, render(doc), undefined);
  assert.ok(first.reuse, 'a plain valid file can be declared from next time');
  doc.weights[2] = 9;
  const second = declareAgain(FILE, render(doc), first);
  assert.deepEqual(second.decls.services.map((s, i) => s.raw === first.decls.services[i]!.raw), [true, true, false, true]);
  assert.equal(second.decls.services[2]!.raw.realServers![0]!.weight, 9);
  assert.deepEqual(view(second.decls), view(declareFile(FILE, render(doc))));
});

test('several services changed, a comment line added to the last: they are read together, the others reused, every position right', () => {
  const doc: Doc = { weights: [1, 2, 3, 4, 5, 6, 7, 8], styles: [0, 2, 2, 0, 0, 2, 0, 2], extra: new Map(), frame: '', tail: '' };
  const first = declareAgain(FILE, render(doc), undefined);
  doc.weights[1] = 20;
  doc.weights[4] = 50;
  doc.weights[6] = 70;
  // (a line added above an item moves it: changed too; the last has none below it)
  doc.extra.set(7, '    # a comment line\n');
  const second = declareAgain(FILE, render(doc), first);
  assert.deepEqual(second.decls.services.map((s, i) => s.raw === first.decls.services[i]!.raw), [true, false, true, true, false, true, false, false]);
  assert.deepEqual(view(second.decls), view(declareFile(FILE, render(doc))));
});

test('files outside the simple shape are declared whole, every time', () => {
  const anchors = 'version: 1\nservices:\n  - &web { address: 192.168.10.1, port: 80 }\n';
  const first = declareAgain(FILE, anchors, undefined);
  assert.equal(first.reuse, null, 'anchors: not the fast reader subset');
  const invalid = 'version: 1\nservices:\n  - address: 192.168.10.1\n    port: http\n  - address: 192.168.10.2\n    port: 80\n';
  assert.equal(declareAgain(FILE, invalid, undefined).reuse, null, 'a file with diagnostics is not a base');
});

test('splitServices: items by indentation, comments and blank lines kept with the item before, the frame around them', () => {
  const text = 'version: 1\nservices:\n\n  # before\n  - a: 1\n    b: 2\n\n  # between\n  -\n    a: 3\nscope: {}\n';
  const split = splitServices(text)!;
  assert.deepEqual(split.items.map((it) => [it.line, text.slice(it.start, it.end)]), [[5, '  - a: 1\n    b: 2\n\n  # between'], [9, '  -\n    a: 3']]);
  assert.equal(split.frame, 'version: 1\nservices:\n\n  # before\n\u0000\nscope: {}\n');
  assert.equal(splitServices('version: 1\nservices:\nscope: {}\n'), null, 'no items');
  assert.equal(splitServices('version: 1\nservices:\n  - a: 1\nservices:\n  - a: 2\n'), null, 'twice');
  assert.deepEqual(splitServices('services:\n- a: 1\n- a: 2\nscope: {}\n')!.items.map((it) => it.line), [2, 3], 'items at the key\'s indentation');
});
