/* The backup browser's behaviour: sortable tables and search over names and folders (MiniSearch, indexed on first use). Plain ES2020, no build step. */
(function () {
  'use strict';

  var root = document.body.getAttribute('data-root') || '';

  /* Sortable tables: click a header to sort by that column, again to reverse. Cells carry their sort value in data-v. */
  function sortTable(th) {
    var table = th.closest('table');
    var body = table && table.tBodies[0];
    if (!body) return;
    var col = th.cellIndex;
    var numeric = th.getAttribute('data-sort') === 'num';
    var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
    var rows = Array.prototype.slice.call(body.rows);
    var key = function (row) {
      var cell = row.cells[col];
      var v = cell ? (cell.getAttribute('data-v') !== null ? cell.getAttribute('data-v') : cell.textContent) : '';
      return numeric ? Number(v) || 0 : String(v);
    };
    var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
    rows.sort(function (a, b) {
      var x = key(a), y = key(b);
      var c = numeric ? x - y : collator.compare(x, y);
      return c * dir;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
  }
  document.querySelectorAll('table.sortable th[data-sort]').forEach(function (th) {
    th.tabIndex = 0;
    th.addEventListener('click', function () { sortTable(th); });
    th.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortTable(th); }
    });
  });

  /* Search: the index is a script (a page opened from file:// may load scripts but not fetch JSON), loaded on first use. */
  var input = document.getElementById('q');
  var box = document.getElementById('search-results');
  if (!input || !box) return;
  var loading = null;
  var engine = null;
  var docs = null;
  var locations = null;
  var haystacks = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = src;
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error('could not load ' + src)); };
      document.head.appendChild(s);
    });
  }

  function load() {
    if (!loading) {
      loading = loadScript(root + 'assets/minisearch.js')
        .then(function () { return loadScript(root + 'assets/search-index.js'); })
        .then(function () {
          var data = window.__wbSearch;
          docs = data.docs;
          locations = data.locations;
          engine = new window.MiniSearch(data.options);
          engine.addAll(docs.map(function (d, i) { return { i: i, n: d[1] }; }));
          haystacks = docs.map(function (d) { return (d[1] + ' / ' + locations[d[2]]).toLowerCase(); });
        });
    }
    return loading;
  }

  var kinds = { d: 'document', f: 'folder', w: 'workspace' };
  var limit = 50;

  /* Rows as the page shows them: [href, name, where, kind, deleted]. */
  function row(i) {
    var d = docs[i];
    return [root + d[0] + '.html', d[1], locations[d[2]], d[0].charAt(0), d[3]];
  }

  function find(q) {
    var seen = new Set();
    var out = [];
    /* Names by words and word starts, ranked (and forgiving a typo) by MiniSearch ... */
    var hits = engine.search(q, { prefix: true, fuzzy: 0.15, combineWith: 'AND' });
    for (var i = 0; i < hits.length && out.length < limit; i++) {
      seen.add(hits[i].id);
      out.push(row(hits[i].id));
    }
    /* ... then any part of a name, and words of the folders it is in ("port" finds "Report", "legal memo" a memo in Legal). */
    var words = q.toLowerCase().split(/\s+/).filter(Boolean);
    for (var j = 0; j < haystacks.length && out.length < limit; j++) {
      if (seen.has(j)) continue;
      var h = haystacks[j];
      var all = true;
      for (var k = 0; k < words.length && all; k++) all = h.indexOf(words[k]) !== -1;
      if (all) out.push(row(j));
    }
    return out;
  }

  function show(q) {
    while (box.firstChild) box.removeChild(box.firstChild);
    if (!q) { box.hidden = true; return; }
    var found = find(q);
    if (found.length === 0) {
      var none = document.createElement('div');
      none.className = 'r-empty';
      none.textContent = 'Nothing named like “' + q + '”.';
      box.appendChild(none);
    } else {
      var list = document.createElement('ol');
      found.forEach(function (d) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = d[0];
        var kind = document.createElement('span');
        kind.className = 'r-kind';
        kind.textContent = kinds[d[3]] || '';
        var name = document.createElement('span');
        name.className = 'r-name';
        name.appendChild(kind);
        name.appendChild(document.createTextNode(d[1]));
        if (d[4]) {
          var mark = document.createElement('span');
          mark.className = 'mark ' + (d[3] === 'w' ? 'mark-archived' : 'mark-deleted');
          mark.textContent = d[3] === 'w' ? 'archived' : 'deleted';
          name.appendChild(document.createTextNode(' '));
          name.appendChild(mark);
        }
        var path = document.createElement('span');
        path.className = 'r-path';
        path.textContent = d[2];
        a.appendChild(name);
        a.appendChild(path);
        li.appendChild(a);
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    box.hidden = false;
  }

  var pending = 0;
  input.addEventListener('focus', function () { load().catch(function () {}); });
  input.addEventListener('input', function () {
    var q = input.value.trim();
    var ticket = ++pending;
    load().then(function () { if (ticket === pending) show(q); }, function (e) {
      box.textContent = 'Search is unavailable: ' + e.message;
      box.hidden = false;
    });
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') { input.value = ''; show(''); }
    if (e.key === 'ArrowDown' || e.key === 'Enter') {
      var first = box.querySelector('a');
      if (first) { e.preventDefault(); if (e.key === 'Enter') first.click(); else first.focus(); }
    }
  });
  box.addEventListener('keydown', function (e) {
    var links = Array.prototype.slice.call(box.querySelectorAll('a'));
    var at = links.indexOf(document.activeElement);
    if (e.key === 'ArrowDown' && at < links.length - 1) { e.preventDefault(); links[at + 1].focus(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); if (at > 0) links[at - 1].focus(); else input.focus(); }
    if (e.key === 'Escape') { input.focus(); box.hidden = true; }
  });
  document.addEventListener('click', function (e) {
    if (!box.contains(e.target) && e.target !== input) box.hidden = true;
  });
})();
