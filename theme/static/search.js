// Hindsight default theme: search. Results as you type under the header's
// search box, and the full search page (/search/?q=…) with facet filters.
//
// It asks the server's API (<base>api/search) first; when that fails (a
// static host has no server: network error, 404, not JSON), it answers
// from the static index that `hindsight build` writes to <base>search/
// (the format is described in internal/search/static.go) with the same
// JSON shape. No innerHTML, no eval: DOM APIs and textContent only; the
// <mark> tags of highlighted fragments become elements, everything else
// in them stays text.
(function () {
  'use strict';

  var root = document.documentElement;
  var STATIC_VERSION = 1;
  var SUGGEST_LIMIT = 8;
  var PAGE_SIZE = 20;
  var DEBOUNCE = 150;
  // Bytes of term shards loaded at most to expand the last, unfinished
  // word of a query (prefixBudget in internal/search/static_test.go).
  var PREFIX_BUDGET = 96 * 1024;
  // Terms one unfinished word expands to, at most.
  var PREFIX_TERMS = 64;
  // Weight of a term matched only as a prefix of the unfinished word.
  var PREFIX_WEIGHT = 0.5;
  var FACETS = ['severity', 'service', 'tag', 'year'];
  var FACET_LABELS = { severity: 'Severity', service: 'Service', tag: 'Tag', year: 'Year' };
  var FACET_SHOWN = 8;
  // Values per facet, as the server's facetSize.
  var FACET_SIZE = 20;

  function basePath() {
    var b = root.getAttribute('data-base');
    if (!b) {
      // The header form's action is <base>search/.
      var form = document.querySelector('form[role="search"][action]');
      var action = form ? form.getAttribute('action') : '';
      b = /search\/?$/.test(action) ? action.replace(/search\/?$/, '') : '/';
    }
    return b.charAt(b.length - 1) === '/' ? b : b + '/';
  }
  var BASE = basePath();

  // ---------- Text ----------
  //
  // Words as bleve's unicode tokenizer splits them (UAX #29, close
  // enough): letters and digits, joined by an inner apostrophe, dot or
  // colon, and digits by a comma; ideographs and hiragana are one word
  // each.

  var WORD_RE = /[\p{L}\p{M}\p{N}_]+(?:(?:['’.:·]|[,;](?=\p{N}))[\p{L}\p{M}\p{N}_]+)*/gu;
  var IDEO_RE = /[\p{sc=Han}\p{sc=Hiragana}]|[^\p{sc=Han}\p{sc=Hiragana}]+/gu;
  var HAS_IDEO = /[\p{sc=Han}\p{sc=Hiragana}]/u;

  // MAX_TERM is the index's longest term, in characters (MaxTermLength).
  var MAX_TERM = 64;

  // words returns {w, start, end} for each word of text; w is the word as
  // queries and the index's written forms compare it: no possessive 's,
  // cut to MAX_TERM characters, in lower case.
  function words(text) {
    var out = [];
    var m;
    WORD_RE.lastIndex = 0;
    while ((m = WORD_RE.exec(text)) !== null) {
      var word = m[0];
      if (HAS_IDEO.test(word)) {
        var p;
        IDEO_RE.lastIndex = 0;
        while ((p = IDEO_RE.exec(word)) !== null) push(p[0], m.index + p.index);
      } else {
        push(word, m.index);
      }
    }
    function push(w, start) {
      var norm = w.replace(/['’＇][sS]$/, '');
      if (norm.length > MAX_TERM) norm = Array.from(norm).slice(0, MAX_TERM).join('');
      norm = norm.toLowerCase();
      if (norm) out.push({ w: norm, start: start, end: start + w.length });
    }
    return out;
  }

  // ---------- Porter stemmer ----------
  //
  // A port of github.com/blevesearch/go-porterstemmer, which bleve's "en"
  // analyzer uses: the original algorithm with its two departures (bli,
  // logi). Only needed for query words the index has never seen written.

  function isCons(s, i) {
    var c = s[i];
    if (c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u') return false;
    if (c === 'y') return i === 0 ? true : !isCons(s, i - 1);
    return true;
  }
  function measure(s) {
    var n = s.length, m = 0, i = 0;
    if (!n) return 0;
    while (isCons(s, i)) { i++; if (i >= n) return 0; }
    while (i < n) {
      while (!isCons(s, i)) { i++; if (i >= n) return m; }
      while (isCons(s, i)) { i++; if (i >= n) return m + 1; }
      m++;
    }
    return m;
  }
  function ends(s, suffix) {
    var n = s.length, k = suffix.length;
    if (n <= k) return false;
    for (var i = 0; i < k; i++) if (s[n - k + i] !== suffix[i]) return false;
    return true;
  }
  function hasVowel(s) {
    for (var i = 0; i < s.length; i++) if (!isCons(s, i)) return true;
    return false;
  }
  function doubleCons(s) {
    var n = s.length;
    return n >= 2 && s[n - 1] === s[n - 2] && isCons(s, n - 1);
  }
  function cvc(s) {
    var n = s.length;
    return n >= 3 && isCons(s, n - 3) && !isCons(s, n - 2) && isCons(s, n - 1);
  }
  function cut(s, k) { return s.slice(0, s.length - k); }
  function withE(s) { return s.concat(['e']); }
  function step1bTail(s, sub) {
    var c = sub[sub.length - 1];
    if (ends(sub, 'at') || ends(sub, 'bl') || ends(sub, 'iz')) return withE(sub);
    if (c !== 'l' && c !== 's' && c !== 'z' && doubleCons(sub)) return cut(sub, 1);
    if (measure(sub) === 1 && cvc(sub) && c !== 'w' && c !== 'x' && c !== 'y') return withE(sub);
    return sub;
  }
  var STEP2 = [['ational', 'ate'], ['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['izer', 'ize'],
    ['bli', 'ble'], ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous'], ['ization', 'ize'],
    ['ation', 'ate'], ['ator', 'ate'], ['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'],
    ['ousness', 'ous'], ['aliti', 'al'], ['iviti', 'ive'], ['biliti', 'ble'], ['logi', 'log']];
  var STEP3 = [['icate', 'ic'], ['ative', ''], ['alize', 'al'], ['iciti', 'ic'], ['ical', 'ic'], ['ful', ''], ['ness', '']];
  var STEP4 = ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ion', 'ou',
    'ism', 'ate', 'iti', 'ous', 'ive', 'ize'];
  function replaceStep(s, rules, minM) {
    for (var i = 0; i < rules.length; i++) {
      var suffix = rules[i][0];
      if (ends(s, suffix)) {
        var stem = cut(s, suffix.length);
        return measure(stem) > minM ? stem.concat(rules[i][1].split('')) : s;
      }
    }
    return s;
  }
  function stem(word) {
    var s = Array.from(word);
    if (s.length <= 2) return word;
    var sub;
    // Step 1a.
    if (ends(s, 'sses') || ends(s, 'ies')) s = cut(s, 2);
    else if (ends(s, 'ss')) { /* unchanged */ } else if (ends(s, 's')) s = cut(s, 1);
    // Step 1b.
    if (ends(s, 'eed')) {
      if (measure(cut(s, 3)) > 0) s = cut(s, 1);
    } else if (ends(s, 'ed')) {
      sub = cut(s, 2);
      if (hasVowel(sub)) s = step1bTail(s, sub);
    } else if (ends(s, 'ing')) {
      sub = cut(s, 3);
      if (hasVowel(sub)) s = step1bTail(s, sub);
    }
    // Step 1c.
    if (s.length >= 2 && s[s.length - 1] === 'y' && hasVowel(cut(s, 1))) s = cut(s, 1).concat(['i']);
    s = replaceStep(s, STEP2, 0);
    s = replaceStep(s, STEP3, 0);
    // Step 4.
    for (var i = 0; i < STEP4.length; i++) {
      if (ends(s, STEP4[i])) {
        sub = cut(s, STEP4[i].length);
        var last = sub[sub.length - 1];
        if (measure(sub) > 1 && (STEP4[i] !== 'ion' || last === 's' || last === 't')) s = sub;
        break;
      }
    }
    // Step 5a.
    if (s[s.length - 1] === 'e') {
      sub = cut(s, 1);
      var m = measure(sub), c = sub[sub.length - 1];
      if (m > 1 || (m === 1 && !(cvc(sub) && c !== 'w' && c !== 'x' && c !== 'y'))) s = sub;
    }
    // Step 5b.
    if (s.length > 2 && s[s.length - 2] === 'l' && s[s.length - 1] === 'l' && measure(cut(s, 1)) > 1) s = cut(s, 1);
    return s.join('');
  }

  // ---------- HTML fragments ----------

  var ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#34;': '"', '&#x27;': "'" };

  function decodeEntities(s) {
    return s.replace(/&(?:amp|lt|gt|quot|#39|#34|#x27);/g, function (e) { return ENTITIES[e]; });
  }

  function escapeHTML(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // appendFragment appends an HTML-escaped fragment with <mark> tags to
  // el: the marks as <mark> elements, everything else as text.
  function appendFragment(el, html) {
    var parts = String(html).split(/(<mark>|<\/mark>)/);
    var inMark = false;
    parts.forEach(function (p) {
      if (p === '<mark>') { inMark = true; return; }
      if (p === '</mark>') { inMark = false; return; }
      if (!p) return;
      var text = document.createTextNode(decodeEntities(p));
      if (inMark) {
        var mark = document.createElement('mark');
        mark.appendChild(text);
        el.appendChild(mark);
      } else {
        el.appendChild(text);
      }
    });
  }

  // ---------- Helpers ----------

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // hitURL is where a hit links: a path as is, an http(s) URL as is, a
  // relative URL below the base; nothing else (javascript: and the like).
  function hitURL(url) {
    if (!url) return BASE;
    if (/^https?:\/\//i.test(url) || (url.charAt(0) === '/' && url.charAt(1) !== '/')) return url;
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.charAt(0) === '/' || url.charAt(0) === '\\') return BASE;
    return BASE + url;
  }

  var collator = window.Intl && Intl.Collator ? new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }) : null;
  function compareText(a, b) { return collator ? collator.compare(a, b) : (a < b ? -1 : a > b ? 1 : 0); }

  // Severity classes follow the configured order on the site's pages; here
  // <html data-severities="SEV1 SEV2 …"> gives it when present, else a
  // trailing digit 1-4 does ("SEV2", "P1").
  var severityOrder = (root.getAttribute('data-severities') || '').split(/\s+/).filter(Boolean);
  function severityClass(sev) {
    var i = severityOrder.indexOf(sev);
    if (i >= 0) return 'sev-' + (i + 1);
    var m = /(\d)$/.exec(sev || '');
    return m && m[1] >= '1' && m[1] <= '4' ? 'sev-' + m[1] : 'sev-unknown';
  }

  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }

  function fetchJSON(url, opts) {
    return window.fetch(url, opts || { credentials: 'same-origin' }).then(function (res) {
      var type = res.headers.get('Content-Type') || '';
      if (type.indexOf('json') === -1) {
        var e = new Error(url + ': ' + res.status + ', not JSON');
        e.status = res.status;
        throw e;
      }
      return res.json().then(function (body) { return { status: res.status, ok: res.ok, body: body }; });
    });
  }

  // ---------- Backends ----------
  //
  // search(params) resolves to the API's JSON: {total, hits, facets}.
  // params: q, severity, service, tag, since, until (YYYY-MM-DD), limit,
  // offset. A query the server rejects rejects with .userMessage.

  function QueryError(msg) { this.userMessage = msg; }

  function apiSearch(p) {
    var qs = new URLSearchParams();
    ['q', 'partial', 'severity', 'service', 'tag', 'since', 'until', 'limit', 'offset'].forEach(function (k) {
      if (p[k] !== undefined && p[k] !== null && p[k] !== '') qs.set(k, String(p[k]));
    });
    return fetchJSON(BASE + 'api/search?' + qs.toString()).then(function (r) {
      if (r.ok && r.body && typeof r.body.total === 'number' && Array.isArray(r.body.hits)) return r.body;
      if (r.status === 400 && r.body && typeof r.body.error === 'string') throw new QueryError(r.body.error);
      var e = new Error('search API: ' + r.status);
      e.status = r.status;
      throw e;
    });
  }

  var backend = null; // 'api' or 'static', once known

  function runSearch(p) {
    if (backend === 'static') return staticSearch(p);
    return apiSearch(p).then(function (res) {
      backend = 'api';
      return res;
    }, function (err) {
      if (err instanceof QueryError || backend === 'api') throw err;
      backend = 'static';
      return staticSearch(p);
    });
  }

  // ---------- The static index ----------

  // Maps keyed by index data are prototype-free: a term may be
  // "constructor" or "__proto__".
  function dict() { return Object.create(null); }

  var ix = { meta: null, metaP: null, facetsP: null, facets: null, files: dict(), terms: dict(), forms: dict() };

  function loadMeta() {
    if (!ix.metaP) {
      ix.metaP = fetchJSON(BASE + 'search/meta.json', { credentials: 'same-origin', cache: 'no-cache' }).then(function (r) {
        if (!r.ok || !r.body || r.body.v !== STATIC_VERSION) throw new Error('static search index: unexpected meta.json');
        ix.meta = r.body;
        ix.stop = dict();
        r.body.stop.forEach(function (w) { ix.stop[w] = true; });
        return r.body;
      });
      ix.metaP.catch(function () { ix.metaP = null; });
    }
    return ix.metaP;
  }

  function loadFile(path) {
    if (!ix.files[path]) {
      ix.files[path] = fetchJSON(BASE + 'search/' + path + '?v=' + encodeURIComponent(ix.meta.build)).then(function (r) {
        if (!r.ok) throw new Error('static search index: ' + path + ': ' + r.status);
        return r.body;
      });
      ix.files[path].catch(function () { delete ix.files[path]; });
    }
    return ix.files[path];
  }

  var ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_';
  var DIGIT = {};
  for (var ai = 0; ai < ALPHABET.length; ai++) DIGIT[ALPHABET.charAt(ai)] = ai;

  // varints decodes a string of base-32 varints.
  function varints(s) {
    var out = [], v = 0;
    for (var i = 0; i < s.length; i++) {
      var d = DIGIT[s.charAt(i)];
      if (d >= 32) { v = v * 32 + d - 32; continue; }
      out.push(v * 32 + d);
      v = 0;
    }
    return out;
  }

  function sets(s, n) {
    var v = varints(s), out = new Array(n), j = 0;
    for (var i = 0; i < n; i++) {
      var c = v[j] || 0;
      out[i] = v.slice(j + 1, j + 1 + c);
      j += 1 + c;
    }
    return out;
  }

  function loadFacets() {
    if (!ix.facetsP) {
      ix.facetsP = loadFile('facets.json').then(function (f) {
        var n = ix.meta.n;
        var days = new Array(n), d = 0, dv = varints(f.date);
        for (var i = 0; i < n; i++) {
          if (i < f.dated) { d = i === 0 ? dv[0] : d - dv[i]; days[i] = d; } else days[i] = null;
        }
        ix.facets = { sev: varints(f.sev), svc: sets(f.svc, n), tag: sets(f.tag, n), day: days };
        return ix.facets;
      });
      ix.facetsP.catch(function () { ix.facetsP = null; });
    }
    return ix.facetsP;
  }

  function dayString(day) {
    return day === null || day === undefined ? '' : new Date(day * 86400000).toISOString().slice(0, 10);
  }
  function dayOf(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
    return m ? Math.floor(Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000) : null;
  }

  function runes(s) { return Array.from(s); }

  // shardKey is the key of the shard that would hold term t.
  function shardKey(t) {
    var r = runes(t);
    for (var n = Math.min(r.length, ix.meta.depth); n > 0; n--) {
      var k = r.slice(0, n).join('');
      if (Object.prototype.hasOwnProperty.call(ix.meta.shards, k)) return k;
    }
    return null;
  }

  function shardFile(key) {
    if (/^[a-z0-9]+$/.test(key)) return 'terms/' + key + '.json';
    var bytes = new TextEncoder().encode(key), hex = '';
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return 'terms/_' + hex + '.json';
  }

  // formsOf maps the written forms of a shard's terms to the terms.
  function formsOf(key, terms) {
    var m = ix.forms[key];
    if (!m) {
      m = ix.forms[key] = Object.create(null);
      Object.keys(terms).forEach(function (t) {
        if (terms[t][1]) terms[t][1].split(' ').forEach(function (w) { m[w] = t; });
      });
    }
    return m;
  }

  function loadShards(keys) {
    return Promise.all(keys.map(function (k) {
      return loadFile(shardFile(k)).then(function (shard) { return { key: k, terms: shard }; });
    }));
  }

  // termInfo decodes a term's entry: its documents (ascending) and scores.
  function termInfo(term, entry) {
    var cached = ix.terms[term];
    if (cached) return cached;
    var v = varints(entry[2]), docs = [], scores = [], doc = 0;
    for (var i = 0; i + 1 < v.length; i += 2) {
      doc = i === 0 ? v[0] : doc + v[i];
      docs.push(doc);
      scores.push(entry[0] * Math.exp(-v[i + 1] / 128));
    }
    cached = { term: term, docs: docs, scores: scores, forms: entry[1] ? entry[1].split(' ') : [] };
    ix.terms[term] = cached;
    return cached;
  }

  // FILTER_FIELDS are the field: prefixes the static index can filter by,
  // as the server does: severity, service, tag and year.
  var FILTER_FIELDS = { severity: 'severity', service: 'service', services: 'service', tag: 'tag', tags: 'tag', year: 'year' };

  // parseQuery splits a query into words to find (every one must match),
  // words to exclude, and field:value filters. Quotes and + are dropped;
  // another field: prefix is dropped and its words searched like the
  // others (the static index has no fields of text).
  function parseQuery(q, unfinished) {
    var include = [], exclude = [], filters = [];
    var parts = q.split(/\s+/).filter(Boolean);
    var texts = parts.length; // parts that are words, not filters
    var partial = unfinished && q.length > 0 && !/[\s"')\]]$/.test(q);
    parts.forEach(function (part, i) {
      var neg = part.charAt(0) === '-' && part.length > 1;
      var f = /^[+-]*([A-Za-z_]+):"?([^"]+)"?$/.exec(part);
      if (f && Object.prototype.hasOwnProperty.call(FILTER_FIELDS, f[1].toLowerCase())) {
        filters.push({ field: FILTER_FIELDS[f[1].toLowerCase()], value: f[2], neg: neg });
        texts--;
        return;
      }
      var text = part.replace(/^[+-]+/, '').replace(/^[A-Za-z_]+:(?=.)/, '');
      words(text).forEach(function (w, j, all) {
        if (ix.stop[w.w]) return;
        var last = i === parts.length - 1 && j === all.length - 1 && w.end === text.length;
        (neg ? exclude : include).push({ w: w.w, partial: partial && last && !neg });
      });
    });
    return { include: include, exclude: exclude, filters: filters, empty: texts === 0 };
  }

  // queryFilter is whether a document passes a field:value of the query.
  function queryFilter(f, doc, facets, meta) {
    var ok;
    switch (f.field) {
      case 'severity': ok = facets.sev[doc] > 0 && meta.sev[facets.sev[doc] - 1] === f.value; break;
      case 'service': ok = facets.svc[doc].some(function (i) { return meta.svc[i] === f.value; }); break;
      case 'tag': ok = facets.tag[doc].some(function (i) { return meta.tag[i] === f.value; }); break;
      case 'year':
        var day = facets.day[doc];
        ok = day !== null && new Date(day * 86400000).getUTCFullYear() === +f.value;
        break;
    }
    return f.neg ? !ok : ok;
  }

  // prefixKeys are the shards that can hold terms written with a word that
  // starts with w: the shards whose key is a prefix of w, and those whose
  // key starts with w while they fit in PREFIX_BUDGET.
  function prefixKeys(w) {
    var out = [], r = runes(w), budget = PREFIX_BUDGET;
    for (var n = Math.min(r.length, ix.meta.depth); n > 0; n--) {
      var k = r.slice(0, n).join('');
      if (Object.prototype.hasOwnProperty.call(ix.meta.shards, k)) { out.push(k); budget -= ix.meta.shards[k]; }
    }
    var longer = Object.keys(ix.meta.shards).filter(function (k) { return k !== w && k.indexOf(w) === 0; }).sort();
    for (var i = 0; i < longer.length && ix.meta.shards[longer[i]] <= budget; i++) {
      budget -= ix.meta.shards[longer[i]];
      out.push(longer[i]);
    }
    return out;
  }

  // resolveWord finds the terms a query word matches, with weights: the
  // term it analyses to and, for the unfinished last word of a drop-down's
  // query, the terms that begin with it or are written with a word that
  // begins with it.
  function resolveWord(word) {
    var st = stem(word.w);
    var len = runes(word.w).length;
    var keys = [];
    function want(k) { if (k !== null && keys.indexOf(k) === -1) keys.push(k); }
    want(shardKey(st));
    want(shardKey(word.w));
    var pk = word.partial && len >= 2 ? prefixKeys(word.w) : [];
    pk.forEach(want);
    return loadShards(keys).then(function (shards) {
      var byKey = dict();
      shards.forEach(function (s) { byKey[s.key] = s.terms; });
      // The term the word analyses to: the index knows the written forms
      // of its terms; the stemmer is for words it has never seen.
      var exact = null;
      keys.forEach(function (k) {
        var forms = formsOf(k, byKey[k]);
        if (exact === null && Object.prototype.hasOwnProperty.call(forms, word.w)) exact = forms[word.w];
      });
      [st, word.w].forEach(function (t) {
        var k = shardKey(t);
        if (exact === null && k !== null && byKey[k] && Object.prototype.hasOwnProperty.call(byKey[k], t)) exact = t;
      });
      var found = [];
      if (exact !== null) found.push({ info: termInfo(exact, byKey[shardKey(exact)][exact]), weight: 1 });
      if (!pk.length) return found;
      return loadShards(pk).then(function (more) {
        var cands = [];
        more.forEach(function (sh) {
          Object.keys(sh.terms).forEach(function (t) {
            if (t === exact) return;
            var e = sh.terms[t];
            if (t.indexOf(word.w) === 0 || (e[1] && (' ' + e[1]).indexOf(' ' + word.w) !== -1)) cands.push({ t: t, e: e, size: e[2].length });
          });
        });
        cands.sort(function (a, b) { return b.size - a.size || (a.t < b.t ? -1 : 1); });
        cands.slice(0, PREFIX_TERMS).forEach(function (c) {
          found.push({ info: termInfo(c.t, c.e), weight: PREFIX_WEIGHT, prefix: word.w });
        });
        return found;
      });
    });
  }

  // wordScores maps each document a word matches to its best score.
  function wordScores(found) {
    var scores = new Map();
    found.forEach(function (f) {
      var docs = f.info.docs, sc = f.info.scores;
      for (var i = 0; i < docs.length; i++) {
        var s = sc[i] * f.weight, prev = scores.get(docs[i]);
        if (prev === undefined || s > prev) scores.set(docs[i], s);
      }
    });
    return scores;
  }

  function staticSearch(p) {
    var q = (p.q || '').trim() === '' ? '' : p.q || '';
    var limit = Math.max(0, Math.min(+p.limit || PAGE_SIZE, 100));
    var offset = Math.max(0, +p.offset || 0);
    return loadMeta().then(function (meta) {
      var parsed = parseQuery(q, !!p.partial);
      // A plain list of hits (the drop-down) needs no facets.json.
      var needFacets = !p.noFacets || p.severity || p.service || p.tag || p.since || p.until || parsed.filters.length;
      return Promise.all([
        Promise.all(parsed.include.map(resolveWord)),
        Promise.all(parsed.exclude.map(resolveWord)),
        needFacets ? loadFacets() : null
      ]).then(function (r) {
        var inc = r[0], exc = r[1], facets = r[2];
        var n = meta.n;
        var matches = [], score = null;
        if (parsed.include.length) {
          var maps = inc.map(wordScores);
          maps.sort(function (a, b) { return a.size - b.size; });
          score = new Map();
          maps[0].forEach(function (s, doc) {
            for (var i = 1; i < maps.length; i++) {
              var o = maps[i].get(doc);
              if (o === undefined) return;
              s += o;
            }
            score.set(doc, s);
            matches.push(doc);
          });
        } else if (parsed.empty || parsed.exclude.length) {
          // No query lists everything, most recent first; so does one of
          // only -words, less those. Only stop words match nothing.
          for (var d = 0; d < n; d++) matches.push(d);
        }
        if (exc.length) {
          var out = new Set();
          exc.forEach(function (found) {
            found.forEach(function (f) { if (f.weight === 1) f.info.docs.forEach(function (doc) { out.add(doc); }); });
          });
          matches = matches.filter(function (doc) { return !out.has(doc); });
        }
        // Filters.
        var sevIdx = p.severity ? meta.sev.indexOf(p.severity) + 1 : 0;
        var svcIdx = p.service ? meta.svc.indexOf(p.service) : -1;
        var tagIdx = p.tag ? meta.tag.indexOf(p.tag) : -1;
        var since = dayOf(p.since), until = dayOf(p.until);
        if (facets) matches = matches.filter(function (doc) {
          for (var fi = 0; fi < parsed.filters.length; fi++) {
            if (!queryFilter(parsed.filters[fi], doc, facets, meta)) return false;
          }
          if (p.severity && facets.sev[doc] !== sevIdx) return false;
          if (p.service && facets.svc[doc].indexOf(svcIdx) === -1) return false;
          if (p.tag && facets.tag[doc].indexOf(tagIdx) === -1) return false;
          var day = facets.day[doc];
          if (since !== null && (day === null || day < since)) return false;
          if (until !== null && (day === null || day > until)) return false;
          return true;
        });
        if ((p.severity && !sevIdx) || (p.service && svcIdx < 0) || (p.tag && tagIdx < 0)) matches = [];
        if (score) {
          matches.sort(function (a, b) { return score.get(b) - score.get(a) || a - b; });
        } else {
          matches.sort(function (a, b) { return a - b; });
        }
        var result = { total: matches.length, hits: [], facets: facets ? staticFacets(matches, facets, meta) : {} };
        var page = matches.slice(offset, offset + limit);
        var marks = highlighter(inc);
        var chunks = [];
        page.forEach(function (doc) {
          var c = Math.floor(doc / meta.chunk);
          if (chunks.indexOf(c) === -1) chunks.push(c);
        });
        return Promise.all(chunks.map(function (c) { return loadFile('docs/' + c + '.json'); })).then(function (loaded) {
          var rows = {};
          chunks.forEach(function (c, i) { rows[c] = loaded[i]; });
          result.hits = page.map(function (doc) {
            var row = rows[Math.floor(doc / meta.chunk)][doc % meta.chunk];
            var url = row[2] === 0 && meta.url ? meta.url[0] + row[0] + meta.url[1] : row[2];
            var hit = {
              id: row[0], title: row[1], url: url, date: row[4] || '',
              severity: row[5] ? meta.sev[row[5] - 1] : '',
              services: facets ? facets.svc[doc].map(function (i) { return meta.svc[i]; }) : [],
              tags: facets ? facets.tag[doc].map(function (i) { return meta.tag[i]; }) : [],
              summary: row[3], score: score ? Math.round(score.get(doc) * 1000) / 1000 : 0
            };
            var frags = {};
            var t = marks(row[1]), s = marks(row[3]);
            if (t) frags.title = [t];
            if (s) frags.summary = [s];
            if (t || s) hit.fragments = frags;
            return hit;
          });
          return result;
        });
      });
    });
  }

  function staticFacets(matches, facets, meta) {
    var sev = dict(), svc = dict(), tag = dict(), year = dict();
    function inc(m, k) { m[k] = (m[k] || 0) + 1; }
    matches.forEach(function (doc) {
      if (facets.sev[doc]) inc(sev, meta.sev[facets.sev[doc] - 1]);
      facets.svc[doc].forEach(function (i) { inc(svc, meta.svc[i]); });
      facets.tag[doc].forEach(function (i) { inc(tag, meta.tag[i]); });
      if (facets.day[doc] !== null) inc(year, dayString(facets.day[doc]).slice(0, 4));
    });
    function list(m) {
      return Object.keys(m).map(function (v) { return { value: v, count: m[v] }; })
        .sort(function (a, b) { return b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0); })
        .slice(0, FACET_SIZE);
    }
    return { severity: list(sev), service: list(svc), tag: list(tag), year: list(year) };
  }

  // highlighter returns a function that HTML-escapes a text and marks the
  // words the query matched, or returns '' when it marks none.
  function highlighter(resolved) {
    var terms = dict(), forms = dict(), prefixes = [];
    resolved.forEach(function (found) {
      found.forEach(function (f) {
        terms[f.info.term] = true;
        forms[f.info.term] = true;
        f.info.forms.forEach(function (w) { forms[w] = true; });
        if (f.prefix && prefixes.indexOf(f.prefix) === -1) prefixes.push(f.prefix);
      });
    });
    return function (text) {
      if (!text) return '';
      var out = '', at = 0, any = false;
      words(text).forEach(function (w) {
        var hit = forms[w.w] || terms[stem(w.w)] || prefixes.some(function (p) { return w.w.indexOf(p) === 0; });
        if (!hit) return;
        any = true;
        out += escapeHTML(text.slice(at, w.start)) + '<mark>' + escapeHTML(text.slice(w.start, w.end)) + '</mark>';
        at = w.end;
      });
      return any ? out + escapeHTML(text.slice(at)) : '';
    };
  }

  // ---------- Rendering ----------

  function badge(sev) {
    var b = el('span', 'badge sev ' + severityClass(sev));
    b.appendChild(el('span', 'vh', 'Severity '));
    b.appendChild(document.createTextNode(sev));
    return b;
  }

  function fragmentOrText(hit, field) {
    var f = hit.fragments && hit.fragments[field];
    return f && f.length ? { html: f[0] } : { text: hit[field] || '' };
  }

  function fill(node, v) {
    if (v.html !== undefined) appendFragment(node, v.html);
    else node.textContent = v.text;
    return node;
  }

  // excerpt is the best text to show under a title: a summary fragment, a
  // body fragment, else the summary.
  function excerpt(hit) {
    var f = hit.fragments || {};
    if (f.summary && f.summary.length) return { html: f.summary[0] };
    if (f.body && f.body.length) return { html: f.body.join(' … ') };
    return { text: hit.summary || '' };
  }

  // ---------- The dropdown ----------

  var uid = 0;

  function initSuggest(form, input) {
    if (input.getAttribute('role') === 'combobox') return;
    var listId = 'search-suggest-' + (++uid);
    var wrap = el('div', 'search-suggest-wrap');
    var list = el('div', 'search-suggest');
    list.id = listId;
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', 'Search results');
    list.hidden = true;
    var status = el('div', 'vh');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    var hadFocus = document.activeElement === input;
    form.parentNode.insertBefore(wrap, form);
    wrap.appendChild(form);
    if (hadFocus) input.focus();
    wrap.appendChild(list);
    wrap.appendChild(status);

    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', listId);
    input.setAttribute('aria-keyshortcuts', '/ Control+K Meta+K');

    var options = [], active = -1, seq = 0, timer = 0, lastQ = null;

    function setActive(i) {
      if (active >= 0 && options[active]) {
        options[active].el.setAttribute('aria-selected', 'false');
        options[active].el.classList.remove('is-active');
      }
      active = i;
      if (i >= 0 && options[i]) {
        options[i].el.setAttribute('aria-selected', 'true');
        options[i].el.classList.add('is-active');
        input.setAttribute('aria-activedescendant', options[i].el.id);
        if (options[i].el.scrollIntoView) options[i].el.scrollIntoView({ block: 'nearest' });
      } else {
        input.removeAttribute('aria-activedescendant');
      }
    }

    function open() {
      if (!options.length && !list.firstChild) return;
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }

    function close() {
      setActive(-1);
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
    }

    function addOption(node, url) {
      node.id = listId + '-' + options.length;
      node.setAttribute('role', 'option');
      node.setAttribute('aria-selected', 'false');
      var index = options.length;
      options.push({ el: node, url: url });
      node.addEventListener('mousedown', function (e) { e.preventDefault(); });
      node.addEventListener('click', function () { go(index); });
      node.addEventListener('mousemove', function () { if (active !== index) setActive(index); });
      list.appendChild(node);
    }

    function go(i) {
      var o = options[i];
      if (o) window.location.assign(o.url);
    }

    function searchPageURL(q) {
      return BASE + 'search/?q=' + encodeURIComponent(q);
    }

    function render(q, res) {
      list.textContent = '';
      options = [];
      active = -1;
      input.removeAttribute('aria-activedescendant');
      if (!res.hits.length) {
        var none = el('div', 'suggest-empty', 'No postmortem matches “' + q + '”.');
        list.appendChild(none);
        status.textContent = 'No results.';
        open();
        return;
      }
      res.hits.forEach(function (hit) {
        var o = el('div', 'suggest-option');
        var head = el('div', 'suggest-head');
        var title = el('span', 'suggest-title');
        fill(title, fragmentOrText(hit, 'title'));
        head.appendChild(title);
        var meta = el('span', 'suggest-meta');
        if (hit.severity) meta.appendChild(badge(hit.severity));
        if (hit.date) meta.appendChild(el('span', 'suggest-date', hit.date));
        head.appendChild(meta);
        o.appendChild(head);
        var ex = excerpt(hit);
        if (ex.html || ex.text) o.appendChild(fill(el('div', 'suggest-excerpt'), ex));
        addOption(o, hitURL(hit.url));
      });
      var all = el('div', 'suggest-option suggest-all');
      all.textContent = res.total > res.hits.length
        ? 'See all ' + res.total + ' results for “' + q + '”'
        : 'Open the search page for “' + q + '”';
      addOption(all, searchPageURL(q));
      status.textContent = plural(res.total, 'result') + ' available; use the arrow keys to choose.';
      open();
    }

    function renderError(err) {
      list.textContent = '';
      options = [];
      active = -1;
      var msg = err && err.userMessage ? err.userMessage : 'Search is not available right now.';
      list.appendChild(el('div', 'suggest-empty', msg));
      status.textContent = msg;
      open();
    }

    function update() {
      var q = input.value;
      if (q.trim() === '') {
        lastQ = '';
        seq++;
        list.textContent = '';
        options = [];
        status.textContent = '';
        close();
        return;
      }
      if (q === lastQ) { open(); return; }
      lastQ = q;
      var mine = ++seq;
      suggestSearch(q).then(function (res) {
        if (mine === seq) render(q.trim(), res);
      }, function (err) {
        if (mine === seq) renderError(err);
      });
    }

    input.addEventListener('input', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, DEBOUNCE);
    });
    input.addEventListener('focus', function () {
      warmUp();
      if (input.value.trim() !== '' && lastQ === input.value) open();
    });
    input.addEventListener('keydown', function (e) {
      if (e.isComposing) return;
      var n = options.length;
      switch (e.key) {
        case 'ArrowDown':
          e.preventDefault();
          if (list.hidden) { window.clearTimeout(timer); update(); open(); return; }
          if (n) setActive(active < n - 1 ? active + 1 : 0);
          break;
        case 'ArrowUp':
          e.preventDefault();
          if (list.hidden) { open(); return; }
          if (n) setActive(active > 0 ? active - 1 : n - 1);
          break;
        case 'Enter':
          if (!list.hidden && active >= 0) {
            e.preventDefault();
            go(active);
          }
          break;
        case 'Escape':
          if (!list.hidden) {
            e.preventDefault();
            close();
          }
          break;
        case 'Tab':
          close();
          break;
      }
    });
    wrap.addEventListener('focusout', function (e) {
      if (!e.relatedTarget || !wrap.contains(e.relatedTarget)) close();
    });
    document.addEventListener('click', function (e) {
      if (!wrap.contains(e.target)) close();
    });
  }

  // suggestSearch is the drop-down's search: the last word is unfinished,
  // so the server is told to match it as the start of a word too (partial);
  // the static index matches prefixes of the last word itself.
  function suggestSearch(q) {
    return runSearch({ q: q, partial: 1, limit: SUGGEST_LIMIT, noFacets: true });
  }

  var warmed = false;
  // warmUp finds out which backend answers before the first word is typed.
  function warmUp() {
    if (warmed) return;
    warmed = true;
    if (backend) return;
    apiSearch({ q: '', limit: 1 }).then(function () { backend = 'api'; }, function (err) {
      if (err instanceof QueryError) { backend = 'api'; return; }
      backend = 'static';
      loadMeta().then(loadFacets).catch(function () {});
    });
  }

  // ---------- Keyboard shortcuts ----------

  function typing(t) {
    if (!t || t === document.body) return false;
    var tag = t.tagName;
    return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t.isContentEditable;
  }

  function initShortcuts(target) {
    document.addEventListener('keydown', function (e) {
      if (e.defaultPrevented || e.isComposing) return;
      var k = e.key;
      var slash = k === '/' && !e.ctrlKey && !e.metaKey && !e.altKey;
      var ctrlK = (k === 'k' || k === 'K') && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey;
      if (!slash && !ctrlK) return;
      if (typing(e.target) && e.target !== target) return;
      if (slash && e.target === target) return; // a / in the box is text
      e.preventDefault();
      target.focus();
      if (target.select) target.select();
    });
  }

  // ---------- The search page ----------

  function initPage(page) {
    var form = document.getElementById('search-page-form');
    var input = form ? form.querySelector('input[name="q"]') : null;
    var count = document.getElementById('search-count');
    var hitsList = document.getElementById('search-hits');
    var pager = document.getElementById('search-pager');
    var aside = document.getElementById('search-facets');
    if (!form || !input || !count || !hitsList) return null;

    var state = readState();
    input.value = state.q;
    var seq = 0, timer = 0;
    var lastFacets = {};
    var titleSuffix = document.title.indexOf(' · ') !== -1 ? document.title.slice(document.title.indexOf(' · ')) : '';
    count.setAttribute('tabindex', '-1');

    function readState() {
      var p = new URLSearchParams(window.location.search);
      var page = parseInt(p.get('page') || '1', 10);
      return {
        q: p.get('q') || '',
        severity: p.get('severity') || '',
        service: p.get('service') || '',
        tag: p.get('tag') || '',
        year: /^\d{4}$/.test(p.get('year') || '') ? p.get('year') : '',
        page: page > 0 ? page : 1
      };
    }

    function stateURL(s) {
      var p = new URLSearchParams();
      if (s.q) p.set('q', s.q);
      FACETS.forEach(function (f) { if (s[f]) p.set(f, s[f]); });
      if (s.page > 1) p.set('page', String(s.page));
      var qs = p.toString();
      return window.location.pathname + (qs ? '?' + qs : '');
    }

    function params(s, without) {
      var p = { q: s.q, limit: PAGE_SIZE, offset: (s.page - 1) * PAGE_SIZE };
      ['severity', 'service', 'tag'].forEach(function (f) { if (s[f] && f !== without) p[f] = s[f]; });
      if (s.year && without !== 'year') { p.since = s.year + '-01-01'; p.until = s.year + '-12-31'; }
      return p;
    }

    function sync() {
      try { window.history.replaceState(window.history.state, '', stateURL(state)); } catch (e) { /* file: URLs */ }
      document.title = (state.q.trim() ? 'Search: ' + state.q.trim() : 'Search') + titleSuffix;
    }

    function run() {
      sync();
      var mine = ++seq;
      page.setAttribute('aria-busy', 'true');
      var main = runSearch(params(state));
      // The options of a facet that filters are counted without that filter
      // (one more search each), so another value can be picked directly.
      var others = FACETS.filter(function (f) { return state[f]; }).map(function (f) {
        var p = params(state, f);
        p.limit = 1;
        p.offset = 0;
        return runSearch(p).then(function (r) { return { facet: f, list: (r.facets || {})[f] || [] }; }, function () { return null; });
      });
      Promise.all([main, Promise.all(others)]).then(function (r) {
        if (mine !== seq) return;
        var res = r[0];
        var facets = {};
        FACETS.forEach(function (f) { facets[f] = (res.facets || {})[f] || []; });
        r[1].forEach(function (o) { if (o) facets[o.facet] = o.list; });
        lastFacets = facets;
        renderResults(res);
        renderFacets(facets);
        page.removeAttribute('aria-busy');
      }, function (err) {
        if (mine !== seq) return;
        page.removeAttribute('aria-busy');
        hitsList.textContent = '';
        if (pager) pager.textContent = '';
        count.textContent = err && err.userMessage ? err.userMessage : 'Search is not available right now. Try again later, or browse all postmortems.';
        count.classList.add('search-error');
      });
    }

    function renderResults(res) {
      count.classList.remove('search-error');
      var filters = FACETS.filter(function (f) { return state[f]; }).map(function (f) { return FACET_LABELS[f].toLowerCase() + ' ' + state[f]; });
      var what = state.q ? ' for “' + state.q.trim() + '”' : '';
      if (!state.q && !filters.length) {
        count.textContent = plural(res.total, 'postmortem') + ', most recent first';
      } else {
        count.textContent = plural(res.total, 'result') + what + (filters.length ? ', ' + filters.join(', ') : '');
      }
      hitsList.textContent = '';
      res.hits.forEach(function (hit) { hitsList.appendChild(renderHit(hit)); });
      if (!res.hits.length) {
        var li = el('li', 'search-none');
        li.appendChild(el('p', 'empty', res.total ? 'No more results.' : 'No postmortem matches. Check the spelling, use fewer words, or clear the filters.'));
        hitsList.appendChild(li);
      }
      renderPager(res.total);
    }

    function renderHit(hit) {
      var li = el('li', 'summary-card search-hit');
      var meta = el('p', 'summary-meta');
      if (hit.severity) meta.appendChild(badge(hit.severity));
      if (hit.date) {
        var t = el('time', null, hit.date);
        t.setAttribute('datetime', hit.date);
        meta.appendChild(t);
      }
      if (hit.services && hit.services.length) {
        var sv = el('span', 'summary-services');
        sv.appendChild(el('span', 'vh', 'Services: '));
        sv.appendChild(document.createTextNode(hit.services.join(', ')));
        meta.appendChild(sv);
      }
      li.appendChild(meta);
      var h = el('h2', 'summary-title');
      var a = el('a');
      a.href = hitURL(hit.url);
      fill(a, fragmentOrText(hit, 'title'));
      h.appendChild(a);
      li.appendChild(h);
      var sum = fragmentOrText(hit, 'summary');
      if (sum.html || sum.text) li.appendChild(fill(el('p', 'summary-text'), sum));
      var body = hit.fragments && hit.fragments.body;
      if (body && body.length) {
        var bp = el('p', 'search-fragment');
        body.slice(0, 2).forEach(function (f, i) {
          if (i) bp.appendChild(document.createTextNode(' … '));
          appendFragment(bp, f);
        });
        li.appendChild(bp);
      }
      if (hit.tags && hit.tags.length) {
        var ul = el('ul', 'tag-list');
        ul.setAttribute('aria-label', 'Tags');
        hit.tags.forEach(function (tg) {
          var item = el('li');
          var b = el('button', 'tag tag-button', tg);
          b.type = 'button';
          b.title = 'Only postmortems tagged ' + tg;
          b.addEventListener('click', function () { setFilter('tag', tg); });
          item.appendChild(b);
          ul.appendChild(item);
        });
        li.appendChild(ul);
      }
      return li;
    }

    function renderPager(total) {
      if (!pager) return;
      pager.textContent = '';
      var pages = Math.ceil(total / PAGE_SIZE);
      if (pages <= 1) { pager.hidden = true; return; }
      pager.hidden = false;
      function link(text, n, rel) {
        var a = el('a', 'button button-secondary', text);
        var s = Object.assign({}, state, { page: n });
        a.href = stateURL(s);
        if (rel) a.rel = rel;
        a.addEventListener('click', function (e) {
          e.preventDefault();
          state.page = n;
          run();
          count.focus();
        });
        return a;
      }
      if (state.page > 1) pager.appendChild(link('Previous', state.page - 1, 'prev'));
      pager.appendChild(el('span', 'search-page-of', 'Page ' + state.page + ' of ' + pages));
      if (state.page < pages) pager.appendChild(link('Next', state.page + 1, 'next'));
    }

    function setFilter(f, v) {
      state[f] = v;
      state.page = 1;
      run();
    }

    // The facets are in a disclosure: open on a wide screen, closed on a
    // narrow one (where they come before the results) unless a filter is on.
    var details = null, summary = null, detailsBody = null;
    function facetBox() {
      if (!details) {
        details = el('details', 'search-facets-box');
        summary = el('summary', 'search-facets-title', 'Filter');
        detailsBody = el('div', 'search-facets-body');
        details.appendChild(summary);
        details.appendChild(detailsBody);
        aside.appendChild(details);
        var narrow = window.matchMedia ? window.matchMedia('(max-width: 52rem)') : null;
        details.open = !(narrow && narrow.matches) || FACETS.some(function (f) { return state[f]; });
        aside.hidden = false;
      }
      return detailsBody;
    }

    function renderFacets(facets) {
      if (!aside) return;
      var act = document.activeElement;
      var focused = act && aside.contains(act) ? { id: act.id, name: act.name, value: act.value } : null;
      var box = facetBox();
      box.textContent = '';
      var active = FACETS.filter(function (f) { return state[f]; }).length;
      summary.textContent = active ? 'Filter (' + active + ' active)' : 'Filter';
      FACETS.forEach(function (f) {
        var list = facets[f].slice();
        if (f === 'year') list.sort(function (a, b) { return b.value < a.value ? -1 : b.value > a.value ? 1 : 0; });
        if (f === 'severity') list.sort(function (a, b) { return compareText(a.value, b.value); });
        if (state[f] && !list.some(function (o) { return o.value === state[f]; })) list.unshift({ value: state[f], count: 0 });
        if (!list.length) return;
        var fs = el('fieldset', 'facet');
        fs.appendChild(el('legend', 'facet-legend', FACET_LABELS[f]));
        var ul = el('ul', 'facet-list');
        var expanded = aside.getAttribute('data-open-' + f) === 'true';
        function option(value, label, n, i) {
          var li = el('li', 'facet-option');
          var id = 'facet-' + f + '-' + i;
          var inp = document.createElement('input');
          inp.type = 'radio';
          inp.name = 'facet-' + f;
          inp.id = id;
          inp.value = value;
          inp.checked = state[f] === value;
          inp.addEventListener('change', function () { if (inp.checked) setFilter(f, value); });
          var lab = el('label');
          lab.htmlFor = id;
          lab.appendChild(el('span', 'facet-value', label));
          if (n !== null) lab.appendChild(el('span', 'facet-count', String(n)));
          li.appendChild(inp);
          li.appendChild(lab);
          return li;
        }
        ul.appendChild(option('', 'Any', null, 'any'));
        var hiddenCount = 0;
        list.forEach(function (o, i) {
          var li = option(o.value, o.value, o.count, i);
          if (!expanded && i >= FACET_SHOWN && o.value !== state[f]) { li.hidden = true; hiddenCount++; }
          ul.appendChild(li);
        });
        fs.appendChild(ul);
        if (hiddenCount || expanded && list.length > FACET_SHOWN) {
          var more = el('button', 'facet-more', expanded ? 'Show fewer' : 'Show all ' + list.length);
          more.type = 'button';
          more.id = 'facet-more-' + f;
          more.setAttribute('aria-expanded', expanded ? 'true' : 'false');
          more.addEventListener('click', function () {
            aside.setAttribute('data-open-' + f, expanded ? 'false' : 'true');
            renderFacets(lastFacets);
            var again = document.getElementById('facet-more-' + f);
            if (again) again.focus();
          });
          fs.appendChild(more);
        }
        box.appendChild(fs);
      });
      if (FACETS.some(function (f) { return state[f]; })) {
        var clear = el('button', 'button button-secondary facet-clear', 'Clear filters');
        clear.type = 'button';
        clear.id = 'facet-clear';
        clear.addEventListener('click', function () {
          FACETS.forEach(function (f) { state[f] = ''; });
          state.page = 1;
          run();
          input.focus();
        });
        box.appendChild(clear);
      }
      if (focused) {
        var again = null;
        if (focused.name) {
          Array.prototype.forEach.call(aside.querySelectorAll('input'), function (i) {
            if (i.name === focused.name && i.value === focused.value) again = i;
          });
        }
        again = again || (focused.id && document.getElementById(focused.id));
        if (again) again.focus();
      }
    }

    form.addEventListener('submit', function (e) {
      e.preventDefault();
      window.clearTimeout(timer);
      state.q = input.value;
      state.page = 1;
      run();
    });
    input.addEventListener('input', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (state.q === input.value) return;
        state.q = input.value;
        state.page = 1;
        run();
      }, DEBOUNCE + 100);
    });
    run();
    return input;
  }

  // ---------- Start ----------

  function init() {
    if (!window.fetch || !window.URLSearchParams || !window.Promise || !window.Map || !window.Set) return;
    var form = document.querySelector('.site-header form[role="search"]') || document.querySelector('form[role="search"]:not(#search-page-form)');
    var input = form ? form.querySelector('input[name="q"]') : null;
    var page = document.getElementById('search-page');
    var pageInput = page ? initPage(page) : null;
    if (form && input) initSuggest(form, input);
    var target = pageInput || input;
    if (target) initShortcuts(target);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
