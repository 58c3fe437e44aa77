// Progressive enhancement for the help center: title suggestions while
// typing in a search box (a WAI-ARIA combobox). Without JavaScript the form
// submits to /help/search as usual. Titles are inserted as text, never HTML.
(function () {
  'use strict';
  var DELAY = 150;

  function enhance(input) {
    var url = input.getAttribute('data-suggest');
    if (!url) return;
    var form = input.form;
    var list = document.createElement('ul');
    var listId = input.id + '-suggestions';
    list.id = listId;
    list.className = 'suggestions';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', input.getAttribute('data-label') || 'Suggestions');
    list.hidden = true;
    form.appendChild(list);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', listId);

    var timer = null;
    var active = -1;
    var seq = 0;

    function close() {
      list.hidden = true;
      list.textContent = '';
      active = -1;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
    }

    function highlight(i) {
      var items = list.querySelectorAll('[role=option]');
      active = i;
      for (var k = 0; k < items.length; k++) {
        items[k].setAttribute('aria-selected', k === i ? 'true' : 'false');
      }
      if (i >= 0 && items[i]) input.setAttribute('aria-activedescendant', items[i].id);
      else input.removeAttribute('aria-activedescendant');
    }

    function render(rows) {
      list.textContent = '';
      active = -1;
      if (!rows.length) { close(); return; }
      rows.forEach(function (row, i) {
        var li = document.createElement('li');
        li.id = listId + '-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        var a = document.createElement('a');
        a.href = row.url;
        a.textContent = row.title;
        a.tabIndex = -1;
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }

    function fetchSuggestions() {
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      var params = new URLSearchParams({ q: q, locale: input.getAttribute('data-locale') || '' });
      var ws = input.getAttribute('data-workspace');
      if (ws) params.set('workspace', ws);
      var mine = ++seq;
      fetch(url + '?' + params.toString(), { headers: { Accept: 'application/json' }, credentials: 'omit' })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) { if (mine === seq && Array.isArray(rows)) render(rows); })
        .catch(function () { if (mine === seq) close(); });
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY);
    });
    input.addEventListener('keydown', function (e) {
      var items = list.querySelectorAll('[role=option]');
      if (list.hidden || !items.length) return;
      if (e.key === 'ArrowDown') { e.preventDefault(); highlight((active + 1) % items.length); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
      else if (e.key === 'Escape') { close(); }
      else if (e.key === 'Enter' && active >= 0) {
        e.preventDefault();
        var link = items[active].querySelector('a');
        if (link) window.location.href = link.href;
      }
    });
    input.addEventListener('blur', function () { setTimeout(close, 200); });
  }

  function start() {
    var inputs = document.querySelectorAll('input[data-suggest]');
    for (var i = 0; i < inputs.length; i++) enhance(inputs[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
