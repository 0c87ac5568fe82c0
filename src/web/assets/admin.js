// Newsroom enhancements (the pages work without them): a live preview of the story text, and the
// cable-import progress read from its JSON status instead of reloading the whole page.
(function () {
  'use strict';
  var area = document.querySelector('textarea[data-preview]');
  if (area && window.fetch) {
    var target = document.getElementById(area.getAttribute('data-preview'));
    var form = area.form;
    var token = form && form.querySelector('input[name=_csrf]');
    var timer = null;
    var update = function () {
      var body = new URLSearchParams();
      body.set('body', area.value);
      fetch('/admin/preview', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': token ? token.value : '' },
        body: body.toString(),
      })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) { target.innerHTML = html; })
        .catch(function () {});
    };
    area.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(update, 300);
    });
    if (area.value) update();
  }

  var status = document.querySelector('.import-status[data-status-url]');
  if (status && window.fetch && /queued|running/.test(status.getAttribute('data-status'))) {
    // The script takes over from the meta refresh.
    var refresh = document.querySelector('meta[http-equiv=refresh]');
    if (refresh) refresh.parentNode.removeChild(refresh);
    var poll = function () {
      fetch(status.getAttribute('data-status-url'), { credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          status.querySelector('.js-status').textContent = s.status;
          var p = s.progress;
          if (p) {
            if (p.bytesTotal) status.querySelector('.js-progress').value = Math.floor((100 * p.bytesDone) / p.bytesTotal);
            status.querySelector('.js-counts').textContent = p.records + ' records read: ' + p['new'] + ' new, ' + p.updated + ' updated, ' + p.unchanged + ' unchanged, ' + p.skipped + ' skipped';
          }
          if (s.status === 'done' || s.status === 'failed') location.reload();
          else setTimeout(poll, 1500);
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 1500);
  }
})();
