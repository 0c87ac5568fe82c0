// Newsroom enhancement (the pages work without it): the cable-import progress read from its JSON
// status instead of reloading the whole page. (The Markdown preview is markdown.js.)
(function () {
  'use strict';
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
