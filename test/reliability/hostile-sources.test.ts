// Hostile input for the issue-9 sources, through the real engine (test/reliability/hostile-sources.ts): damas answers
// mangled by a loopback proxy (truncated, invalid, HTML or empty 200s, wrong types, extra fields, paging that never
// ends, a node deleted mid-run, hostile ids), Pivotal exports damaged or full of hostile names, and the old Projectplace
// sync tool's data broken in every way it can be. Every case: the expected outcome, a clear error naming what was
// wrong, 0 wrong bytes, 0 unsafe paths, nothing outside the repo, nothing lost or wrongly marked deleted, and a clean
// run afterwards completes.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { allCases, markdownTable, problems, runHostileSources, unclearText, type CaseResult } from './hostile-sources.ts';

describe('hostile input for damas, Pivotal exports and the old Projectplace sync data', () => {
  const results = new Map<string, CaseResult>();
  before(async () => {
    for (const r of await runHostileSources({ concurrency: 2 })) results.set(`${r.hostile.source}: ${r.hostile.input}`, r);
  });

  for (const c of allCases) {
    test(`${c.source}: ${c.input}`, () => {
      const r = results.get(`${c.source}: ${c.input}`);
      assert.ok(r, 'the case ran');
      assert.deepEqual(problems(r), [], r.detail);
      assert.ok(c.expect.includes(r.outcome), `${r.outcome}: ${r.detail}`);
      assert.equal(r.wrongBytes.length + r.unsafe.length + r.outside.length + r.lost.length, 0);
      assert.ok(r.next.complete, `the next clean run completes: ${r.next.error}`);
      if (r.outcome === 'failed clearly') {
        if (c.mentions) assert.match(r.detail, c.mentions, 'the error names what was wrong');
        // Each failure's text was judged clear (unclearText) when the outcome was set; none shows a bug.
        assert.doesNotMatch(r.detail, /\bundefined\b|\n\s+at /);
        if (r.error) assert.equal(r.headAfter, r.headBefore, 'a refused input commits nothing');
        // A listing that could not be read is never taken for deletions.
        else assert.equal(r.report?.counts.deleted ?? 0, 0, 'nothing deleted');
      }
      if (r.outcome === 'safe path') assert.ok((r.report?.counts.new ?? 0) > 0, 'the hostile items were backed up');
      if (c.input === 'a node deleted between listing and reading') assert.equal(r.report?.documents.deleted, 1, 'the node deleted meanwhile is marked deleted, and only it');
      if (c.input === 'a newer export lacking a whole project') assert.equal(r.report?.counts.deleted, 0, 'the project left out is not deleted');
    });
  }

  test('the judge is not blind: a wrong outcome, a stray byte or a loss each make a problem', () => {
    const r = results.get(allCases.map((c) => `${c.source}: ${c.input}`).find((k) => results.get(k)?.outcome === 'failed clearly')!)!;
    assert.deepEqual(problems(r), []);
    assert.notDeepEqual(problems({ ...r, outcome: 'finished' }), []);
    assert.notDeepEqual(problems({ ...r, wrongBytes: ['x'] }), []);
    assert.notDeepEqual(problems({ ...r, lost: ['x'] }), []);
    assert.notDeepEqual(problems({ ...r, detail: 'ServiceError: something' }), [], 'an error that does not name the input');
    assert.notEqual(unclearText("TypeError: Cannot read properties of undefined (reading 'id')"), undefined);
    assert.notEqual(unclearText('Error: boom\n    at foo (/x/y.ts:1:2)'), undefined);
    assert.match(markdownTable([...results.values()]), /^\| source \| hostile input \| outcome \|/);
  });
});
