/* global window, document */
// The demo page's buttons call the widget's command API (queued until widget.js has loaded).
window.AutoCRM = window.AutoCRM || function () { (window.AutoCRM.q = window.AutoCRM.q || []).push(arguments); };
document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('[data-autocrm]');
  if (b) window.AutoCRM(b.getAttribute('data-autocrm'), b.getAttribute('data-arg') || undefined);
});
