// The console's only script (served from /console/assets/, allowed by the Content-Security-Policy as 'self').
// htmx does the rest: the overview's refresh and the playground's results. Pages work without either.
'use strict';

// Every htmx request carries the session's CSRF token, read from the page's <meta name="csrf-token">.
document.addEventListener('htmx:configRequest', function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers['X-CSRF-Token'] = meta.getAttribute('content');
});

// A confirmation before a form marked data-confirm is sent (the filtered retry already has its own page).
document.addEventListener('submit', function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});
