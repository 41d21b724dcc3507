// Tests for src/lib/safe-path.ts: one test per named hostile name, and property tests over arbitrary names and folders.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { allocateSegments, collisionKey, isSafeSegment, joinSafe, safeSegment, type NameEntry } from '../../src/lib/safe-path.ts';

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');
const sha8 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 8);

// ---------------------------------------------------------------------------------------------------------------------
// Arbitraries

/** Pieces that, glued together, make the names most likely to break things. */
const hostilePieces = [
  '.', '..', '/', '\\', ' ', '  ', '\t', '\n', '\r', '\0', '\x1b', '\x7f', '\x85', '\x9f', ':', '*', '?', '"', '<', '>', '|',
  'CON', 'con', 'aux', 'PRN', 'nul', 'com1', 'LPT9', 'COM¹', 'lpt³', 'CONIN$', '.git', 'GIT', '.Git', 'git~1', 'GITMOD~1',
  '.gitattributes', '.gitmodules', '.lfsconfig', '.workspace-backup', '.txt', '.docx', '.tar.gz', 'e', '\u0301', '\u0323', 'é',
  '\u202E', '\u202A', '\u2066', '\u2069', '\u200E', '\u200D', '\u200C', '\uFEFF', '\u2028', '\u2029', '\u00A0', '\u3000',
  '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '😀', '🇸🇪', '👨‍👩‍👧', '\u{1F3FD}', '\uFE0F', 'ß', 'SS', 'ẞ', 'İ', 'ı', 'K', 'ſ',
  '_', '~', '(', ')', 'a', 'A', 'Report', 'x'.repeat(90), 'é'.repeat(60), '😀'.repeat(30), 'x\u0301'.repeat(40),
];
const hostileName = fc.array(fc.constantFrom(...hostilePieces), { maxLength: 14 }).map((parts) => parts.join(''));
/** UTF-16 code units, lone surrogates included (what a broken JSON decoder may hand us). */
const codeUnitName = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const anyName = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'binary', minLength: 60, maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary-ascii', maxLength: 80 }),
  codeUnitName,
  hostileName,
);

/** Every character class safeSegment must never emit. */
const unsafeChar = /[/\\:*?"<>|\p{Cc}\p{Cs}\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

function assertSafe(seg: string, maxBytes: number): void {
  assert.ok(seg.length > 0, 'empty segment');
  assert.notEqual(seg, '.');
  assert.notEqual(seg, '..');
  assert.ok(!unsafeChar.test(seg), `unsafe character in ${JSON.stringify(seg)}`);
  assert.ok(seg.isWellFormed(), `lone surrogate in ${JSON.stringify(seg)}`);
  assert.ok(!/^\s|[\s.]$/u.test(seg), `leading space or trailing space/dot in ${JSON.stringify(seg)}`);
  assert.ok(bytes(seg) <= maxBytes, `${bytes(seg)} bytes > ${maxBytes}`);
  assert.ok(isSafeSegment(seg), `isSafeSegment(${JSON.stringify(seg)}) is false`);
}

// ---------------------------------------------------------------------------------------------------------------------
// Named hostile names: each with its expected output

describe('safeSegment: named hostile names', () => {
  const cases: Array<[string, string, string]> = [
    ['path traversal', '../etc/passwd', '.._etc_passwd'],
    ['dot dot', '..', '_'],
    ['dot', '.', '_'],
    ['three dots', '...', '_'],
    ['both separators', 'a/b\\c', 'a_b_c'],
    ['Windows forbidden punctuation', 'a:b*c?d"e<f>g|h', 'a_b_c_d_e_f_g_h'],
    ['device name CON', 'CON', 'CON_'],
    ['device name with extension, lower case', 'aux.txt', 'aux_.txt'],
    ['COM1 with extension', 'com1.log', 'com1_.log'],
    ['device name with double extension', 'CON.tar.gz', 'CON_.tar.gz'],
    ['device name, spaces before the extension', 'NUL .txt', 'NUL_ .txt'],
    ['device name, superscript digit', 'COM¹', 'COM¹_'],
    ['device name, superscript digit, extension', 'lpt³.txt', 'lpt³_.txt'],
    ['console device', 'conin$', 'conin$_'],
    ['a word starting with a device name is fine', 'CONSOLE.txt', 'CONSOLE.txt'],
    ['COM10 is not a device', 'COM10', 'COM10'],
    ['trailing dots and spaces', 'name. . ', 'name'],
    ['trailing space', 'trailing space ', 'trailing space'],
    ['leading and trailing whitespace', ' \t name\n', 'name'],
    ['tab inside', 'a\tb', 'a_b'],
    ['newline inside', 'a\nb', 'a_b'],
    ['carriage return inside', 'a\rb', 'a_b'],
    ['NUL inside', 'a\0b', 'a_b'],
    ['ESC inside', 'a\x1b[31mred', 'a_[31mred'],
    ['DEL inside', 'a\x7fb', 'a_b'],
    ['C1 control inside', 'a\x85b\x9fc', 'a_b_c'],
    ['line separator inside', 'a\u2028b\u2029c', 'a_b_c'],
    ['lone surrogates', 'a\uD800b\uDFFFc', 'a_b_c'],
    ['.git', '.git', '_.git'],
    ['.GIT', '.GIT', '_.GIT'],
    ['.git with trailing space and dot (trimmed)', '.git . ', '_.git'],
    ['.git hidden by a HFS-ignorable joiner', '.g\u200Cit', '_.g\u200Cit'],
    ['NTFS short name of .git', 'git~1', '_git~1'],
    ['NTFS short name of .gitmodules', 'GITMOD~1', '_GITMOD~1'],
    ['.gitattributes', '.gitattributes', '_.gitattributes'],
    ['.gitignore', '.gitignore', '_.gitignore'],
    ['.gitmodules', '.GitModules', '_.GitModules'],
    ['.lfsconfig', '.lfsconfig', '_.lfsconfig'],
    ['.workspace-backup', '.workspace-backup', '_.workspace-backup'],
    ['.github is an ordinary name', '.github', '.github'],
    ['HTML in a name', '<script>alert(1)</script>.html', '_script_alert(1)__script_.html'],
    ['emoji', '📄 Quarterly report 🎉.docx', '📄 Quarterly report 🎉.docx'],
    ['ZWJ emoji sequence and skin tone kept', '👨‍👩‍👧 family 👍🏽.png', '👨‍👩‍👧 family 👍🏽.png'],
    ['flags kept', '🇸🇪🇩🇪 trip.pdf', '🇸🇪🇩🇪 trip.pdf'],
    ['accents, CJK, RTL script kept', 'Ångström 日本語 שלום.txt', 'Ångström 日本語 שלום.txt'],
    ['NFD becomes NFC', 'cafe\u0301.txt', 'caf\u00e9.txt'],
    ['empty string', '', '_'],
    ['only spaces', '     ', '_'],
    ['only whitespace of all kinds', '\u00A0\u3000\t\uFEFF', '_'],
    ['RTL override (spoofs "invoice_exe.pdf")', 'invoice\u202Efdp.exe', 'invoice_fdp.exe'],
    ['bidi isolates and marks', 'a\u2066b\u2069c\u200Fd\u061Ce', 'a_b_c_d_e'],
    ['byte order mark inside', 'a\uFEFFb', 'a_b'],
    ['parentheses and tildes are ordinary', 'Report (1) ~draft~.docx', 'Report (1) ~draft~.docx'],
  ];
  for (const [title, input, expected] of cases) {
    test(`${title}: ${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      const out = safeSegment(input);
      assert.equal(out, expected);
      assertSafe(out, 200);
    });
  }

  test('300-byte name of multi-byte characters keeps its extension and gets a hash', () => {
    const name = 'é'.repeat(150) + '.docx'; // 305 bytes
    const out = safeSegment(name);
    assert.equal(out, 'é'.repeat(93) + '~' + sha8(name) + '.docx');
    assert.equal(bytes(out), 200);
    assertSafe(out, 200);
  });

  test('truncation hashes the NFC form: NFD and NFC spellings of a long name map to the same segment', () => {
    const nfc = 'é'.repeat(150) + '.docx';
    const nfd = 'e\u0301'.repeat(150) + '.docx';
    assert.equal(safeSegment(nfd), safeSegment(nfc));
  });

  test('two long names sharing a 200-byte prefix stay distinct', () => {
    const prefix = 'Projektplan '.repeat(20);
    const a = safeSegment(prefix + 'Version A.docx');
    const b = safeSegment(prefix + 'Version B.docx');
    assert.notEqual(a, b);
    assert.ok(a.endsWith('.docx') && b.endsWith('.docx'));
    assert.equal(a, (prefix + 'Version A').slice(0, 186) + '~' + sha8(prefix + 'Version A.docx') + '.docx');
  });

  test('keepExtension: false truncates the whole name', () => {
    const name = 'a'.repeat(250) + '.docx';
    assert.equal(safeSegment(name, { keepExtension: false }), 'a'.repeat(191) + '~' + sha8(name));
    assert.equal(safeSegment(name), 'a'.repeat(186) + '~' + sha8(name) + '.docx');
  });

  test('.tar.gz keeps .gz; an extension with a space is no extension', () => {
    const tar = 'b'.repeat(250) + '.tar.gz';
    assert.equal(safeSegment(tar), 'b'.repeat(188) + '~' + sha8(tar) + '.gz');
    const spaced = 'c'.repeat(250) + '.final version';
    assert.equal(safeSegment(spaced), 'c'.repeat(191) + '~' + sha8(spaced));
  });

  test('truncation never splits a surrogate pair', () => {
    const name = '😀'.repeat(60);
    const out = safeSegment(name);
    assert.equal(out, '😀'.repeat(47) + '~' + sha8(name));
    assert.ok(out.isWellFormed());
  });

  test('truncation does not leave a base letter without its combining mark', () => {
    const name = 'x\u0301'.repeat(100); // no precomposed form: stays two code points each
    assert.equal(safeSegment(name), 'x\u0301'.repeat(63) + '~' + sha8(name));
  });

  test('truncation does not split a ZWJ sequence or a flag', () => {
    const family = '👨‍👩‍👧';
    const fam = family.repeat(12);
    assert.equal(safeSegment(fam), family.repeat(10) + '~' + sha8(fam));
    const flags = '🇸🇪'.repeat(30);
    assert.equal(safeSegment(flags), '🇸🇪'.repeat(23) + '~' + sha8(flags));
  });
});

// ---------------------------------------------------------------------------------------------------------------------

describe('collisionKey', () => {
  test('case and normalisation variants share a key', () => {
    assert.equal(collisionKey('Report.docx'), collisionKey('REPORT.DOCX'));
    assert.equal(collisionKey('café.txt'), collisionKey('cafe\u0301.txt'));
    assert.equal(collisionKey('Straße'), collisionKey('STRASSE'));
    assert.equal(collisionKey('ẞ'), collisionKey('ß'));
    assert.equal(collisionKey('ǅ'), collisionKey('ǆ'));
    assert.equal(collisionKey('\u212A'), collisionKey('k')); // Kelvin sign
    assert.equal(collisionKey('a\u200Cb'), collisionKey('ab')); // HFS+ ignores ZWNJ
  });
  test('different names have different keys', () => {
    assert.notEqual(collisionKey('Report.docx'), collisionKey('Report.doc'));
    assert.notEqual(collisionKey('café'), collisionKey('cafe'));
    assert.notEqual(collisionKey('a b'), collisionKey('a_b'));
  });
});

describe('isSafeSegment and joinSafe', () => {
  test('rejects what safeSegment never produces', () => {
    for (const s of ['', '.', '..', 'a/b', 'a\\b', 'a\0b', 'a\nb', ' a', 'a ', 'a.', 'CON', 'aux.txt', 'com1', '.git', '.GIT',
      'git~1', '.gitattributes', '.workspace-backup', 'a\u202Eb', 'a\uD800', 'cafe\u0301', 'x'.repeat(256)]) {
      assert.equal(isSafeSegment(s), false, JSON.stringify(s));
    }
    for (const s of ['a', 'Report.docx', 'CON_', 'aux_.txt', '_.git', '.github', '.hidden', '😀', 'x'.repeat(255)]) {
      assert.equal(isSafeSegment(s), true, JSON.stringify(s));
    }
  });
  test('joins safe segments with "/"', () => {
    assert.equal(joinSafe('Projectplace', 'Workspace name', 'Folder', 'Sub folder', 'File.docx'),
      'Projectplace/Workspace name/Folder/Sub folder/File.docx');
    assert.equal(joinSafe('single'), 'single');
  });
  test('throws on any unsafe segment, and on none', () => {
    assert.throws(() => joinSafe('Projectplace', '..', 'x'), TypeError);
    assert.throws(() => joinSafe('Projectplace', 'a/b'), TypeError);
    assert.throws(() => joinSafe('Projectplace', ''), TypeError);
    assert.throws(() => joinSafe('.workspace-backup', 'manifest'), TypeError);
    assert.throws(() => joinSafe('a', '.git', 'config'), TypeError);
    assert.throws(() => joinSafe(), TypeError);
  });
});

// ---------------------------------------------------------------------------------------------------------------------

const doc = (id: string, name: string): NameEntry => ({ id, name, kind: 'document' });
const folder = (id: string, name: string): NameEntry => ({ id, name, kind: 'folder' });
const asObject = (m: Map<string, string>): Record<string, string> => Object.fromEntries(m);

describe('allocateSegments: named cases', () => {
  test('Report.docx vs report.docx in one folder: smallest id keeps the plain name', () => {
    const m = allocateSegments([doc('900202', 'report.docx'), doc('900201', 'Report.docx')]);
    assert.deepEqual(asObject(m), { '900201': 'Report.docx', '900202': 'report (900202).docx' });
  });

  test('NFC café.txt vs NFD café.txt in one folder', () => {
    const m = allocateSegments([doc('2', 'cafe\u0301.txt'), doc('1', 'caf\u00e9.txt')]);
    assert.deepEqual(asObject(m), { '1': 'café.txt', '2': 'café (2).txt' });
  });

  test('two identical names in one folder', () => {
    const m = allocateSegments([doc('7', 'Minutes.pdf'), doc('5', 'Minutes.pdf')]);
    assert.deepEqual(asObject(m), { '5': 'Minutes.pdf', '7': 'Minutes (7).pdf' });
  });

  test('ids compare numerically when both are digits', () => {
    const m = allocateSegments([doc('10', 'a.txt'), doc('9', 'a.txt')]);
    assert.deepEqual(asObject(m), { '9': 'a.txt', '10': 'a (10).txt' });
    assert.deepEqual([...m.keys()], ['9', '10'], 'iterates in id order');
  });

  test('ids compare as strings otherwise', () => {
    const m = allocateSegments([doc('b', 'a.txt'), doc('a10', 'a.txt')]);
    assert.deepEqual(asObject(m), { 'a10': 'a.txt', 'b': 'a (b).txt' });
  });

  test('mixed ids: all-digit ids count as smaller, so the order stays total', () => {
    const m = allocateSegments([doc('1:', 'a.txt'), doc('100', 'a.txt'), doc('20', 'a.txt')]);
    assert.deepEqual([...m], [['20', 'a.txt'], ['100', 'a (100).txt'], ['1:', 'a (~' + createHash('sha256').update('1:').digest('hex').slice(0, 16) + ').txt']]);
  });

  test('folders get the suffix at the end', () => {
    const m = allocateSegments([folder('1', 'Specs.v2'), folder('2', 'specs.V2')]);
    assert.deepEqual(asObject(m), { '1': 'Specs.v2', '2': 'specs.V2 (2)' });
  });

  test('links get the suffix before the extension, like documents', () => {
    const m = allocateSegments([{ id: '1', name: 'Site.url', kind: 'link' }, { id: '2', name: 'site.url', kind: 'link' }]);
    assert.deepEqual(asObject(m), { '1': 'Site.url', '2': 'site (2).url' });
  });

  test('a reserved segment (deleted document keeping its path) is never reused', () => {
    const m = allocateSegments([doc('1', 'report.docx'), doc('2', 'Other.docx')], ['Report.docx']);
    assert.deepEqual(asObject(m), { '1': 'report (1).docx', '2': 'Other.docx' });
  });

  test('hostile names that all become "_" get distinct suffixes', () => {
    const m = allocateSegments([doc('1', ''), doc('2', '.'), doc('3', '..'), folder('4', '   ')]);
    assert.deepEqual(asObject(m), { '1': '_', '2': '_ (2)', '3': '_ (3)', '4': '_ (4)' });
  });

  test('a user name equal to a suffixed name: plain names win, the suffix grows a hash', () => {
    const m = allocateSegments([doc('9', 'Report (7).docx'), doc('7', 'Report.docx'), doc('5', 'report.docx')]);
    assert.deepEqual(asObject(m), {
      '5': 'report.docx',
      '7': `Report (7 ${sha8('1\n7\nReport.docx')}).docx`,
      '9': 'Report (7).docx',
    });
  });

  test('two identical 300-byte names: both within 255 bytes and distinct', () => {
    const name = 'é'.repeat(150) + '.docx';
    const m = allocateSegments([doc('900201', name), doc('900202', name)]);
    const a = m.get('900201')!;
    const b = m.get('900202')!;
    assert.equal(a, safeSegment(name));
    assert.equal(b, a.slice(0, -'.docx'.length) + ' (900202).docx');
    assert.ok(bytes(b) <= 255);
  });

  test('a long or odd id is shown as a hash', () => {
    const id = 'x'.repeat(64);
    const m = allocateSegments([doc('1', 'a.txt'), doc(id, 'a.txt')]);
    assert.equal(m.get(id), `a (~${createHash('sha256').update(id).digest('hex').slice(0, 16)}).txt`);
    const m2 = allocateSegments([doc('1', 'a.txt'), doc('z/../x', 'a.txt')]);
    assert.ok(isSafeSegment(m2.get('z/../x')!));
    assert.match(m2.get('z/../x')!, /^a \(~[0-9a-f]{16}\)\.txt$/);
  });

  test('duplicate ids are a caller bug', () => {
    assert.throws(() => allocateSegments([doc('1', 'a'), doc('1', 'b')]), TypeError);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// Properties

describe('safeSegment: properties', () => {
  test('every segment is safe, ≤ 200 bytes, and isSafeSegment agrees', () => {
    fc.assert(fc.property(anyName, fc.boolean(), (name, keepExtension) => {
      assertSafe(safeSegment(name, { keepExtension }), 200);
    }), { numRuns: 3000 });
  });

  test('joined paths stay strictly inside the root (posix and win32)', () => {
    const root = '/srv/backup/repo';
    const winRoot = 'C:\\backup\\repo';
    fc.assert(fc.property(fc.array(anyName, { minLength: 1, maxLength: 6 }), (names) => {
      const segs = names.map((n) => safeSegment(n));
      const rel = joinSafe(...segs);
      const joined = path.posix.join(root, rel);
      assert.ok(joined.startsWith(root + '/'), joined);
      assert.equal(path.posix.relative(root, joined), rel, 'join normalised something away');
      assert.equal(path.posix.resolve(root, ...segs), joined);
      const win = path.win32.join(winRoot, ...segs);
      assert.ok(win.startsWith(winRoot + '\\'), win);
      assert.deepEqual(path.win32.relative(winRoot, win).split('\\'), segs);
    }), { numRuns: 1000 });
  });

  test('deterministic and invariant under Unicode normalisation form', () => {
    fc.assert(fc.property(anyName, (name) => {
      const out = safeSegment(name);
      assert.equal(safeSegment(name.normalize('NFD')), out);
      assert.equal(safeSegment(name.normalize('NFC')), out);
    }), { numRuns: 2000 });
  });

  test('idempotent: safeSegment(safeSegment(x)) === safeSegment(x)', () => {
    fc.assert(fc.property(anyName, fc.boolean(), (name, keepExtension) => {
      const once = safeSegment(name, { keepExtension });
      assert.equal(safeSegment(once, { keepExtension }), once);
    }), { numRuns: 3000 });
  });

  test('a safe segment of ≤ 200 bytes is its own image', () => {
    fc.assert(fc.property(anyName, (s) => {
      fc.pre(isSafeSegment(s) && bytes(s) <= 200);
      assert.equal(safeSegment(s), s);
    }), { numRuns: 500 });
  });

  test('the extension is kept, also when the name is truncated', () => {
    const ext = fc.string({ unit: fc.constantFrom('a', 'z', '0', '9', 'X', 'é', 'ж', '日', '😀', '_', '-'), minLength: 1, maxLength: 16 });
    const stem = fc.oneof(anyName, fc.string({ unit: 'grapheme', minLength: 100, maxLength: 250 }));
    fc.assert(fc.property(stem, ext, (s, e) => {
      const out = safeSegment(`${s}.${e}`);
      assert.ok(out.endsWith(`.${e}`), `${JSON.stringify(out)} lost .${e}`);
    }), { numRuns: 2000 });
  });

  test('long names sharing a prefix stay distinct', () => {
    const prefix = fc.string({ unit: 'grapheme', minLength: 210, maxLength: 300 }).filter((p) => bytes(p) > 210);
    fc.assert(fc.property(prefix, fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), (p, a, b) => {
      fc.pre((p + a).normalize('NFC') !== (p + b).normalize('NFC'));
      assert.notEqual(safeSegment(`${p}${a}.docx`), safeSegment(`${p}${b}.docx`));
    }), { numRuns: 300 });
  });

  test('joinSafe refuses every string isSafeSegment rejects', () => {
    fc.assert(fc.property(anyName, (s) => {
      if (isSafeSegment(s)) assert.equal(joinSafe('a', s), `a/${s}`);
      else assert.throws(() => joinSafe('a', s), TypeError);
    }), { numRuns: 1000 });
  });
});

describe('allocateSegments: properties', () => {
  const collidingNames = fc.constantFrom(
    'Report.docx', 'report.docx', 'REPORT.DOCX', 'Report (5).docx', 'Report (7).docx', 'café.txt', 'cafe\u0301.txt', 'CON', 'con',
    '', '.', '..', '   ', 'a/b', 'a\\b', 'a:b', 'a_b', 'Straße', 'STRASSE', '.git', '_.git', 'é'.repeat(150) + '.docx',
  );
  const name = fc.oneof(collidingNames, anyName);
  const id = fc.oneof(fc.nat({ max: 2000 }).map(String), fc.stringMatching(/^[0-9]{1,3}$/), fc.string({ maxLength: 6 }),
    fc.string({ unit: 'binary', minLength: 41, maxLength: 60 }));
  const entry = fc.record({ id, name, kind: fc.constantFrom('folder', 'document', 'link') as fc.Arbitrary<NameEntry['kind']> });
  const entries = fc.uniqueArray(entry, { selector: (e) => e.id, maxLength: 25 });
  const reserved = fc.array(fc.oneof(collidingNames.map((n) => safeSegment(n)), anyName.map((n) => safeSegment(n))), { maxLength: 5 });

  test('every entry gets a safe segment, ≤ 255 bytes, injective under collisionKey and disjoint from reserved', () => {
    fc.assert(fc.property(entries, reserved, (es, res) => {
      const m = allocateSegments(es, res);
      assert.equal(m.size, es.length);
      const reservedKeys = new Set(res.map(collisionKey));
      const seen = new Map<string, string>();
      for (const e of es) {
        const seg = m.get(e.id);
        assert.ok(seg !== undefined, `no segment for ${e.id}`);
        assertSafe(seg, 255);
        const key = collisionKey(seg);
        assert.ok(!seen.has(key), `${JSON.stringify(seg)} collides with ${JSON.stringify(seen.get(key))}`);
        assert.ok(!reservedKeys.has(key), `${JSON.stringify(seg)} reuses a reserved segment`);
        seen.set(key, seg);
      }
    }), { numRuns: 1500 });
  });

  test('the output does not depend on the input order', () => {
    fc.assert(fc.property(entries, reserved, fc.infiniteStream(fc.double({ noNaN: true })), (es, res, rnd) => {
      const keys = es.map(() => rnd.next().value as number);
      const shuffled = es.map((e, i) => ({ e, k: keys[i]! })).sort((a, b) => a.k - b.k).map((x) => x.e);
      assert.deepEqual([...allocateSegments(shuffled, [...res].reverse())], [...allocateSegments(es, res)]);
    }), { numRuns: 500 });
  });

  test('the smallest id of a colliding group keeps the plain name (unless reserved); the others get a suffix', () => {
    const numericEntries = fc.uniqueArray(
      fc.record({ id: fc.nat({ max: 100_000 }).map(String), name: collidingNames, kind: fc.constant('document' as const) }),
      { selector: (e) => e.id, maxLength: 12 });
    fc.assert(fc.property(numericEntries, reserved, (es, res) => {
      const m = allocateSegments(es, res);
      const reservedKeys = new Set(res.map(collisionKey));
      const groups = new Map<string, NameEntry[]>();
      for (const e of es) {
        const k = collisionKey(safeSegment(e.name));
        groups.set(k, [...(groups.get(k) ?? []), e]);
      }
      for (const [key, group] of groups) {
        group.sort((a, b) => Number(a.id) - Number(b.id));
        group.forEach((e, i) => {
          const plain = safeSegment(e.name);
          if (i === 0 && !reservedKeys.has(key)) assert.equal(m.get(e.id), plain);
          else assert.ok(m.get(e.id)!.includes(` (${e.id}`), `${JSON.stringify(m.get(e.id))} lacks the id suffix`);
        });
      }
    }), { numRuns: 1000 });
  });

  test('adding an entry with a fresh name changes nobody else', () => {
    fc.assert(fc.property(entries, reserved, (es, res) => {
      const before = allocateSegments(es, res);
      const after = allocateSegments([...es, doc('fresh-id-not-generated', 'zz fresh name')], res);
      for (const [id, seg] of before) assert.equal(after.get(id), seg);
      assert.equal(after.get('fresh-id-not-generated'), 'zz fresh name');
    }), { numRuns: 500 });
  });
});
