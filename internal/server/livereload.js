// Live reload for `hindsight serve`: reloads the page after each rebuild,
// and shows in a banner on every page what stands in the way: why the last
// rebuild failed, and the errors of the files (a file that could not be
// read included). Served by the server, never part of a built site.
(function () {
  'use strict';
  var base = document.documentElement.getAttribute('data-base') || '/';
  var banner = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function plural(n, word) {
    return n === 1 ? '1 ' + word : n + ' ' + word + 's';
  }

  // show puts the status in the banner, or takes the banner away when
  // nothing stands in the way. Every value is set as text.
  function show(st) {
    var errors = Array.isArray(st.errors) ? st.errors : [];
    var count = typeof st.error_count === 'number' ? st.error_count : errors.length;
    if (!st.rebuild && count === 0) {
      if (banner) banner.remove();
      banner = null;
      return;
    }
    if (!banner) {
      banner = el('div', 'livereload-banner');
      banner.setAttribute('role', 'alert');
      document.body.insertBefore(banner, document.body.firstChild);
    }
    banner.textContent = '';
    if (st.rebuild) {
      banner.appendChild(el('p', 'livereload-rebuild', 'The last rebuild failed, this page is out of date: ' + st.rebuild));
    }
    if (count > 0) {
      var files = typeof st.files === 'number' ? st.files : 0;
      banner.appendChild(el('p', 'livereload-count', plural(count, 'error') + (files ? ' in ' + plural(files, 'file') : '') + ': `hindsight check` fails until they are fixed.'));
      var list = el('ul', 'livereload-errors');
      errors.forEach(function (e) {
        var li = el('li');
        var where = String(e.file || '') + (e.line ? ':' + e.line + (e.column ? ':' + e.column : '') : '');
        var place = e.url && /^\//.test(e.url) ? el('a', null, where) : el('span', null, where);
        if (e.url && /^\//.test(e.url)) place.href = e.url;
        li.appendChild(place);
        li.appendChild(document.createTextNode(' ' + String(e.message || '')));
        list.appendChild(li);
      });
      if (count > errors.length) list.appendChild(el('li', null, 'and ' + plural(count - errors.length, 'more error') + ': see the terminal'));
      banner.appendChild(list);
    }
  }

  function refresh() {
    window.fetch(base + 'api/status', { credentials: 'same-origin', cache: 'no-store' }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (st) {
      if (st) show(st);
    }, function () {});
  }

  refresh();
  if (!window.EventSource) {
    return;
  }
  var source = new EventSource(base + 'api/events');
  source.addEventListener('reload', function () {
    window.location.reload();
  });
  source.addEventListener('failed', function (e) {
    var msg = 'see the terminal';
    try {
      msg = JSON.parse(e.data).message || msg;
    } catch (err) { /* keep the default */ }
    show({ rebuild: msg, errors: [], error_count: 0 });
    refresh();
  });
})();
