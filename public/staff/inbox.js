// Keyboard navigation for the staff inbox and comment page (the pages work without it).
// j / k: next / previous row · x: select the row · Enter or o: open · t: tag · d: decide · /: search.
(function () {
  'use strict';
  var rows = Array.prototype.slice.call(document.querySelectorAll('.inbox-row'));
  var current = -1;
  var bulk = document.getElementById('bulk');
  var action = document.getElementById('b-action');
  var countEl = document.getElementById('bulk-count');
  var selectAll = document.getElementById('select-all');

  function typing(e) {
    var el = e.target;
    return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
  }
  function move(to) {
    if (!rows.length) return;
    if (current >= 0) rows[current].classList.remove('is-current');
    current = Math.max(0, Math.min(rows.length - 1, to));
    var row = rows[current];
    row.classList.add('is-current');
    var link = row.querySelector('.inbox-link');
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: 'nearest' });
  }
  function checkbox(row) { return row && row.querySelector('input[type=checkbox][name=ids]'); }
  function updateCount() {
    if (!countEl) return;
    var n = document.querySelectorAll('input[name=ids]:checked').length;
    countEl.textContent = n ? (document.documentElement.lang === 'en' ? n + ' selected' : '已选 ' + n + ' 条') : '';
  }
  function showFields() {
    if (!action) return;
    var fields = document.querySelectorAll('.bulk-fields [data-for]');
    for (var i = 0; i < fields.length; i++) fields[i].hidden = fields[i].getAttribute('data-for') !== action.value;
  }
  function focusBulk(kind, selector) {
    var box = checkbox(rows[current]);
    if (box && !document.querySelector('input[name=ids]:checked')) box.checked = true;
    updateCount();
    if (action) { action.value = kind; showFields(); }
    var el = document.querySelector(selector);
    if (el) el.focus();
  }

  if (action) { action.addEventListener('change', showFields); showFields(); }
  if (selectAll) {
    selectAll.hidden = false;
    selectAll.addEventListener('change', function () {
      var boxes = document.querySelectorAll('input[name=ids]');
      for (var i = 0; i < boxes.length; i++) boxes[i].checked = selectAll.checked;
      updateCount();
    });
  }
  if (bulk) bulk.addEventListener('change', function (e) { if (e.target && e.target.name === 'ids') updateCount(); });

  // A chosen template fills an empty response field.
  var templates = document.querySelectorAll('select[name=template]');
  for (var s = 0; s < templates.length; s++) {
    templates[s].addEventListener('change', function (e) {
      var opt = e.target.selectedOptions[0];
      var form = e.target.form;
      var response = form && form.querySelector('textarea[name=response]');
      if (opt && response && !response.value.trim() && opt.getAttribute('data-body')) response.value = opt.getAttribute('data-body');
    });
  }

  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    var k = e.key;
    if (k === 'j') { move(current + 1); e.preventDefault(); }
    else if (k === 'k') { move(current - 1); e.preventDefault(); }
    else if (k === 'x' && rows[current]) { var b = checkbox(rows[current]); if (b) { b.checked = !b.checked; updateCount(); } e.preventDefault(); }
    else if ((k === 'Enter' || k === 'o') && rows[current] && document.activeElement === document.body) { window.location.href = rows[current].getAttribute('data-href'); }
    else if (k === '/') { var q = document.querySelector('[data-key=search]'); if (q) { q.focus(); e.preventDefault(); } }
    else if (k === 't') {
      if (rows.length) focusBulk('tag', '#b-tags');
      else { var tag = document.querySelector('[data-key=tag]'); if (tag) tag.focus(); }
      e.preventDefault();
    } else if (k === 'd') {
      if (rows.length) focusBulk('decide', '#b-adoption');
      else { var d = document.querySelector('[data-key=decide]'); if (d) d.focus(); }
      e.preventDefault();
    }
  });
  if (rows.length) rows.forEach(function (row, i) { row.addEventListener('click', function (e) { if (e.target.tagName !== 'INPUT' && e.target.tagName !== 'A') { if (current >= 0) rows[current].classList.remove('is-current'); current = i; row.classList.add('is-current'); } }); });
})();
