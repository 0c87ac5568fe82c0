// Live preview of Markdown fields (the forms work without it): the text is posted, with the form's
// CSRF token, to the field's preview address, and the rendered (sanitised) HTML shown beside it.
(function () {
  'use strict';
  if (!window.fetch || window.__markdownPreview) return;
  window.__markdownPreview = true;
  var start = function () {
    var areas = document.querySelectorAll('textarea[data-preview-url]');
    Array.prototype.forEach.call(areas, function (area) {
      var target = document.getElementById(area.getAttribute('data-preview-target'));
      var token = area.form && area.form.querySelector('input[name=_csrf]');
      if (!target) return;
      var timer = null;
      var sent = 0;
      var update = function () {
        var mine = ++sent;
        var body = new URLSearchParams();
        body.set('body', area.value);
        if (area.getAttribute('data-preview-mode')) body.set('mode', area.getAttribute('data-preview-mode'));
        if (token) body.set('_csrf', token.value);
        fetch(area.getAttribute('data-preview-url'), {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': token ? token.value : '' },
          body: body.toString(),
        })
          .then(function (r) {
            return r.ok ? r.text() : Promise.reject(r.status);
          })
          .then(function (html) {
            if (mine === sent) target.innerHTML = html || '<p class="meta">Nothing to preview yet.</p>';
          })
          .catch(function () {
            if (mine === sent) target.innerHTML = '<p class="meta">The preview is not available just now; the text is kept as you wrote it.</p>';
          });
      };
      area.addEventListener('input', function () {
        clearTimeout(timer);
        timer = setTimeout(update, 300);
      });
      update();
    });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
