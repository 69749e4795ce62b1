// Progressive enhancement for the service's own pages: copy buttons and the builder's live
// preview. Everything works without it (the forms are plain GETs).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
    } else {
      field.select();
      done();
    }
  });

  var form = document.getElementById("builder");
  if (!form) return;
  var pending = 0;
  function update() {
    var query = new URLSearchParams(new FormData(form)).toString();
    var ticket = ++pending;
    fetch(form.getAttribute("data-snippets") + "?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(function (s) {
        if (ticket !== pending) return; // a newer change won
        var img = document.getElementById("preview");
        img.src = s.badge_url;
        img.width = s.width;
        img.height = s.height;
        ["image_html", "markdown", "script_html", "json_url", "oembed_url"].forEach(function (k) {
          document.getElementById(k).value = s[k];
        });
        history.replaceState(null, "", "?" + query);
      })
      .catch(function () { /* keep the last good preview; submitting the form still works */ });
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();
