// The evidence-pack page: follow the build's progress, and show the finished pack when it is done.
(function () {
  const box = document.querySelector("[data-pack-progress]");
  if (!box) {
    return;
  }
  const bar = document.getElementById("pack-progress-bar");
  const note = document.getElementById("pack-progress-note");
  const status = document.getElementById("pack-status");
  function poll() {
    fetch(box.getAttribute("data-pack-progress"), {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (pack) {
        if (pack.done) {
          window.location.reload();
          return;
        }
        bar.value = pack.progress;
        bar.textContent = pack.progress + "%";
        note.textContent = pack.progress + "% — " + (pack.note || "Waiting to start");
        status.textContent = pack.label;
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 1000);
})();
