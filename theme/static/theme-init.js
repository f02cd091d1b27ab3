// Applies the reader's saved light or dark choice before the page paints,
// so it does not flash in the system's scheme first. site.js does the rest.
(function () {
  'use strict';
  try {
    var v = window.localStorage.getItem('hindsight-theme');
    if (v === 'dark' || v === 'light') {
      document.documentElement.setAttribute('data-theme', v);
    }
  } catch (e) {
    // storage disabled: the system's scheme applies
  }
})();
