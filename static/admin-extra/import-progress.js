// Follows an employee import job: fills the <progress> bar and reloads the page when the job
// moves to its next state (preview, done or failed). Loaded as a file: the site's CSP forbids
// inline scripts.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-progress-url]");
  if (!box) {
    return;
  }
  var bar = box.querySelector("progress");
  var label = box.querySelector("[data-import-progress-label]");
  var url = box.getAttribute("data-import-progress-url");
  var status = box.getAttribute("data-import-status");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && data.status !== status) {
          window.location.reload();
          return;
        }
        if (data && data.total) {
          bar.max = data.total;
          bar.value = data.done;
          label.textContent = data.done + " / " + data.total + " (" + data.percent + "%)";
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 500);
})();
