// Live reload for `hindsight serve`: reloads the page after each rebuild,
// and shows why when a rebuild failed. Served by the server, never part of
// a built site.
(function () {
  'use strict';
  if (!window.EventSource) {
    return;
  }
  var base = document.documentElement.getAttribute('data-base') || '/';
  var banner = null;
  function show(message) {
    if (!banner) {
      banner = document.createElement('div');
      banner.className = 'livereload-banner';
      banner.setAttribute('role', 'alert');
      document.body.insertBefore(banner, document.body.firstChild);
    }
    banner.textContent = 'The last rebuild failed, this page is out of date: ' + message;
  }
  var source = new EventSource(base + 'api/events');
  source.addEventListener('reload', function () {
    window.location.reload();
  });
  source.addEventListener('failed', function (e) {
    try {
      show(JSON.parse(e.data).message);
    } catch (err) {
      show('see the terminal');
    }
  });
})();
