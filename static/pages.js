// Progressive enhancement for the service's own pages: copy buttons and the builder's live
// preview. Everything works without it (the forms are plain GETs).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    // The labels come from the page (data-done, the button's own text): they are translated.
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    var done = function () {
      button.textContent = button.getAttribute("data-done") || label;
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
    } else {
      field.select();
      done();
    }
  });

  var form = document.getElementById("builder");
  if (!form) return;
  var error = document.getElementById("builder-error");
  var byId = function (id) { return document.getElementById(id); };
  var pending = 0;

  // The field the server says is wrong is marked (aria-invalid) and described by the message.
  function mark(field) {
    Array.prototype.forEach.call(form.elements, function (el) {
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    var el = field && form.elements[field];
    if (el) {
      el.setAttribute("aria-invalid", "true");
      el.setAttribute("aria-describedby", "builder-error");
    }
  }

  function showError(body) {
    error.textContent = body.message;
    error.hidden = false;
    mark(body.field || body.param);
    byId("previews").hidden = byId("codes").hidden = true;
  }

  function showImage(s) {
    var stage = byId("image-preview");
    var img = byId("preview") || stage.appendChild(document.createElement("img"));
    img.id = "preview";
    img.src = s.badge_url;
    img.width = s.width;
    img.height = s.height;
    img.alt = s.alt;
  }

  // The widget preview is the snippet a blogger pastes: its placeholder goes into the page and
  // widget.js, loaded once by the first snippet, finds it and draws the widget.
  function showWidget(html) {
    var snippet = new DOMParser().parseFromString(html, "text/html");
    var placeholder = document.importNode(snippet.querySelector(".influence-widget"), true);
    var stage = byId("widget-preview");
    var old = stage.querySelector(".influence-widget");
    if (old) old.replaceWith(placeholder); else stage.prepend(placeholder);
    var src = snippet.querySelector("script[src]");
    if (!window.InfluenceWidget && !stage.querySelector("script") && src) {
      var script = document.createElement("script");
      script.async = true;
      script.src = src.getAttribute("src");
      stage.appendChild(script);
    }
  }

  function update() {
    var query = new URLSearchParams(new FormData(form)).toString();
    var ticket = ++pending;
    fetch(form.getAttribute("data-snippets") + "?" + query, { credentials: "same-origin" })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (answer) {
        if (ticket !== pending) return; // a newer change won
        history.replaceState(null, "", "?" + query);
        if (!answer.ok) return showError(answer.body);
        var s = answer.body;
        error.hidden = true;
        error.textContent = "";
        mark(null);
        var hint = byId("no-preview");
        if (hint) hint.remove();
        byId("previews").hidden = byId("codes").hidden = false;
        showImage(s);
        showWidget(s.script_html);
        // A default label follows the embed's language (the server says which it used).
        var label = form.elements.label;
        if (label && s.label !== undefined && label.value !== s.label && document.activeElement !== label) {
          label.value = s.label;
        }
        ["image_html", "markdown", "script_html", "json_url", "oembed_url"].forEach(function (k) {
          byId(k).value = s[k];
        });
      })
      .catch(function () { /* keep the last preview; submitting the form still works */ });
  }
  var typing = 0;
  form.addEventListener("input", function () { // while typing, wait for a pause
    clearTimeout(typing);
    typing = setTimeout(update, 300);
  });
  form.addEventListener("change", function () { clearTimeout(typing); update(); });
})();
