// Hindsight default theme: small progressive enhancements. Every page works
// without this file; with it, the theme toggle appears, tables sort, and the
// filter forms filter. No innerHTML, no eval: DOM APIs and textContent only.
(function () {
  'use strict';

  var THEME_KEY = 'hindsight-theme';
  var root = document.documentElement;

  // ---------- Theme ----------

  function storedTheme() {
    try {
      var v = window.localStorage.getItem(THEME_KEY);
      return v === 'dark' || v === 'light' ? v : null;
    } catch (e) {
      return null; // storage disabled
    }
  }

  function storeTheme(v) {
    try {
      window.localStorage.setItem(THEME_KEY, v);
    } catch (e) {
      // storage disabled: the choice lasts for this page only
    }
  }

  var darkQuery = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

  function effectiveTheme() {
    var set = root.getAttribute('data-theme');
    if (set === 'dark' || set === 'light') return set;
    return darkQuery && darkQuery.matches ? 'dark' : 'light';
  }

  // Apply the stored choice at once, before the rest of the page is wired.
  var initial = storedTheme();
  if (initial) root.setAttribute('data-theme', initial);

  function initThemeToggle() {
    var buttons = Array.prototype.slice.call(document.querySelectorAll('[data-theme-toggle]'));
    if (!buttons.length) return;
    function sync() {
      var dark = effectiveTheme() === 'dark';
      buttons.forEach(function (b) {
        b.setAttribute('aria-pressed', dark ? 'true' : 'false');
        b.title = dark ? 'Switch to the light theme' : 'Switch to the dark theme';
      });
    }
    buttons.forEach(function (b) {
      b.hidden = false;
      b.addEventListener('click', function () {
        var next = effectiveTheme() === 'dark' ? 'light' : 'dark';
        root.setAttribute('data-theme', next);
        storeTheme(next);
        sync();
      });
    });
    if (darkQuery) {
      var onChange = function () { if (!storedTheme()) sync(); };
      if (darkQuery.addEventListener) darkQuery.addEventListener('change', onChange);
      else if (darkQuery.addListener) darkQuery.addListener(onChange);
    }
    // Another tab changed the theme.
    window.addEventListener('storage', function (e) {
      if (e.key !== THEME_KEY) return;
      var v = storedTheme();
      if (v) root.setAttribute('data-theme', v);
      else root.removeAttribute('data-theme');
      sync();
    });
    sync();
  }

  // ---------- Sortable tables ----------
  //
  // <table data-sortable>: every <th data-sort="key"> in the head gets a
  // button. Rows sort by their data-<key> attribute, or by the cell text
  // when the row has no such attribute. data-sort-type="number" compares
  // numbers; negative or missing numbers mean "unknown" and sort last.

  var collator = window.Intl && Intl.Collator
    ? new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })
    : null;

  function compareText(a, b) {
    return collator ? collator.compare(a, b) : (a < b ? -1 : a > b ? 1 : 0);
  }

  function sortValue(row, key, index, numeric) {
    var raw = key ? row.getAttribute('data-' + key) : null;
    if (raw === null) {
      var cell = row.cells[index];
      raw = cell ? cell.textContent.trim() : '';
    }
    if (!numeric) return raw === '' ? null : raw;
    var n = parseFloat(raw);
    return isNaN(n) || n < 0 ? null : n;
  }

  function initSortable(table) {
    var head = table.tHead;
    var body = table.tBodies[0];
    if (!head || !head.rows.length || !body) return;
    var headers = Array.prototype.slice.call(head.rows[0].cells);

    headers.forEach(function (th, index) {
      if (!th.hasAttribute('data-sort')) return;
      var key = th.getAttribute('data-sort');
      var numeric = th.getAttribute('data-sort-type') === 'number';

      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      while (th.firstChild) button.appendChild(th.firstChild);
      var icon = document.createElement('span');
      icon.className = 'sort-icon';
      icon.setAttribute('aria-hidden', 'true');
      icon.textContent = '↕';
      button.appendChild(icon);
      th.appendChild(button);

      button.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        headers.forEach(function (other) {
          if (other === th) return;
          other.removeAttribute('aria-sort');
          var i = other.querySelector('.sort-icon');
          if (i) i.textContent = '↕';
        });
        th.setAttribute('aria-sort', dir);
        icon.textContent = dir === 'ascending' ? '▲' : '▼';

        var sign = dir === 'ascending' ? 1 : -1;
        var rows = dataRows(body).map(function (row, pos) {
          return { row: row, pos: pos, value: sortValue(row, key, index, numeric) };
        });
        rows.sort(function (a, b) {
          if (a.value === null || b.value === null) {
            if (a.value === b.value) return a.pos - b.pos;
            return a.value === null ? 1 : -1; // unknown values last, both ways
          }
          var c = numeric ? a.value - b.value : compareText(a.value, b.value);
          return c !== 0 ? sign * c : a.pos - b.pos;
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (r) { frag.appendChild(r.row); });
        body.appendChild(frag);
        // A grouped table groups again, in the new order.
        table.dispatchEvent(new CustomEvent('hindsight:sorted'));
      });
    });
  }

  // dataRows are a table body's rows without the group headings.
  function dataRows(body) {
    return Array.prototype.slice.call(body.rows).filter(function (r) {
      return !r.classList.contains('group-row');
    });
  }

  // group orders the shown rows by their data-<key> (keeping the order
  // among equals) under a heading row per value that counts its rows and
  // the overdue ones; an empty key removes the headings, leaving the rows
  // in the order they had before grouping.
  function group(table, key, order) {
    var body = table.tBodies[0];
    Array.prototype.slice.call(body.querySelectorAll('tr.group-row')).forEach(function (r) { body.removeChild(r); });
    var rows = order.slice();
    if (!key) {
      rows.forEach(function (r) { body.appendChild(r); });
      return;
    }
    var pos = new Map(order.map(function (r, i) { return [r, i]; }));
    rows.sort(function (a, b) {
      var c = compareText(a.getAttribute('data-' + key) || '', b.getAttribute('data-' + key) || '');
      return c !== 0 ? c : pos.get(a) - pos.get(b);
    });
    var cols = table.tHead && table.tHead.rows.length ? table.tHead.rows[0].cells.length : 1;
    var heading = null, name = null, count = 0, late = 0;
    function close() {
      if (!heading) return;
      var th = heading.firstChild;
      th.textContent = (name || 'No owner') + ' · ' + count + (count === 1 ? ' item' : ' items') + (late ? ', ' + late + ' overdue' : '');
      heading.hidden = count === 0;
    }
    rows.forEach(function (r) {
      var v = r.getAttribute('data-' + key) || '';
      if (heading === null || v !== name) {
        close();
        heading = document.createElement('tr');
        heading.className = 'group-row';
        var th = document.createElement('th');
        th.scope = 'colgroup';
        th.colSpan = cols;
        heading.appendChild(th);
        body.appendChild(heading);
        name = v; count = 0; late = 0;
      }
      body.appendChild(r);
      if (!r.hidden) {
        count++;
        if (r.getAttribute('data-overdue') === 'true') late++;
      }
    });
    close();
  }

  // ---------- Filter forms ----------
  //
  // <form data-filter-for="tableId" hidden>: shown once wired. Each named
  // select (or checked checkbox) must match the row's data-<name>
  // attribute: exactly, or as one of its space-separated words when the
  // control has data-match="words". Elements with data-filter-count="id"
  // show "N of M shown"; data-filter-empty="id" shows when nothing matches.
  // The state is mirrored in the query string so a filtered view can be
  // shared and survives reload (e.g. actions/?overdue=true).

  function byAttr(attr, value) {
    return Array.prototype.slice.call(document.querySelectorAll('[' + attr + ']'))
      .filter(function (el) { return el.getAttribute(attr) === value; });
  }

  function controlValue(el) {
    if (el.type === 'checkbox') return el.checked ? (el.value || 'true') : '';
    return el.value;
  }

  function rowMatches(row, el) {
    var want = controlValue(el);
    if (want === '') return true;
    var have = row.getAttribute('data-' + el.name);
    if (have === null) return false;
    if (el.getAttribute('data-match') === 'words') {
      var words = ' ' + have.trim().split(/\s+/).join(' ') + ' ';
      return words.indexOf(' ' + want.trim() + ' ') !== -1;
    }
    return have === want;
  }

  function initFilter(form) {
    var id = form.getAttribute('data-filter-for');
    var table = id ? document.getElementById(id) : null;
    if (!table || !table.tBodies[0]) return;
    var body = table.tBodies[0];
    var controls = Array.prototype.slice.call(form.elements).filter(function (el) {
      return el.name && (el.tagName === 'SELECT' || el.type === 'checkbox');
    });
    if (!controls.length) return;
    // A checkbox with data-group groups the rows by that attribute
    // instead of filtering them.
    var groupers = controls.filter(function (el) { return el.hasAttribute('data-group'); });
    var filters = controls.filter(function (el) { return !el.hasAttribute('data-group'); });
    var order = dataRows(body);
    var counters = byAttr('data-filter-count', id);
    var empties = byAttr('data-filter-empty', id);

    // Restore the state from the URL.
    var params = null;
    try { params = new URLSearchParams(window.location.search); } catch (e) { params = null; }
    if (params) {
      controls.forEach(function (el) {
        var v = params.get(el.name);
        if (v === null) return;
        if (el.type === 'checkbox') {
          el.checked = v === (el.value || 'true');
        } else if (Array.prototype.some.call(el.options, function (o) { return o.value === v; })) {
          el.value = v;
        }
      });
    }

    function updateURL() {
      if (!params || !window.history || !window.history.replaceState) return;
      controls.forEach(function (el) {
        var v = controlValue(el);
        if (v === '') params.delete(el.name);
        else params.set(el.name, v);
      });
      var q = params.toString();
      var url = window.location.pathname + (q ? '?' + q : '') + window.location.hash;
      try { window.history.replaceState(window.history.state, '', url); } catch (e) { /* file: URLs */ }
    }

    function regroup() {
      var key = '';
      groupers.forEach(function (el) { if (el.checked) key = el.getAttribute('data-group'); });
      // order is the rows' order before grouping: as built, or as the
      // last sort left them.
      group(table, key, order);
    }

    function apply() {
      var rows = dataRows(body);
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var ok = filters.every(function (el) { return rowMatches(rows[i], el); });
        rows[i].hidden = !ok;
        if (ok) shown++;
      }
      var total = rows.length;
      regroup();
      counters.forEach(function (c) { c.textContent = shown + ' of ' + total + ' shown'; });
      empties.forEach(function (e) { e.hidden = shown !== 0; });
      table.parentNode.hidden = false;
      if (shown === 0 && table.parentNode.classList.contains('table-wrap')) table.parentNode.hidden = true;
      updateURL();
    }

    form.addEventListener('change', apply);
    table.addEventListener('hindsight:sorted', function () {
      order = dataRows(body);
      regroup();
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
    form.addEventListener('reset', function () { window.setTimeout(apply, 0); });
    form.hidden = false;
    apply();
  }

  // ---------- Misc ----------

  // Print every <details> open, then restore.
  function initPrint() {
    var opened = [];
    window.addEventListener('beforeprint', function () {
      opened = Array.prototype.slice.call(document.querySelectorAll('details:not([open])'));
      opened.forEach(function (d) { d.open = true; });
    });
    window.addEventListener('afterprint', function () {
      opened.forEach(function (d) { d.open = false; });
      opened = [];
    });
  }

  // A heading's or timeline entry's # link copies the page's address with
  // that anchor, besides going there: the link to paste in a chat.
  function initAnchors() {
    document.addEventListener('click', function (ev) {
      var a = ev.target && ev.target.closest ? ev.target.closest('a.anchor') : null;
      if (!a || !navigator.clipboard || !window.isSecureContext) {
        return;
      }
      var url = a.href;
      navigator.clipboard.writeText(url).then(function () {
        a.classList.add('copied');
        window.setTimeout(function () { a.classList.remove('copied'); }, 1500);
      }, function () { /* not allowed: the link still goes there */ });
    });
  }

  function init() {
    initThemeToggle();
    initAnchors();
    Array.prototype.forEach.call(document.querySelectorAll('table[data-sortable]'), initSortable);
    Array.prototype.forEach.call(document.querySelectorAll('form[data-filter-for]'), initFilter);
    initPrint();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
