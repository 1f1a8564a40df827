// A PDF report's being-prepared page: ask every few seconds whether it is ready, and show the
// finished page when it is. Without JavaScript the page's "Check again" link does the same.
(function () {
  const box = document.querySelector("[data-document-status]");
  if (!box) {
    return;
  }
  function poll() {
    fetch(box.getAttribute("data-document-status"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (document_) {
        if (document_.done) {
          window.location.reload();
          return;
        }
        document.getElementById("document-status").textContent = document_.label;
        window.setTimeout(poll, 3000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 2000);
})();
