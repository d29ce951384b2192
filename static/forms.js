// What every form gets, with no inline script (the CSP forbids it):
// 1. A form is sent once: a second click while the first is on its way does
//    nothing (a double-tapped 提交 made two cases of one concern).
// 2. What was typed survives the 大字模式 and language switches, which are
//    links that load the page again.
// 3. What was typed survives a refusal: most staff forms answer a mistake by
//    going back to the page with a message (「请写明理由」), and the page comes
//    with the form empty. The sent fields are kept and put back into the same
//    form when the page shows a refusal (.flash.bad), or when the user comes
//    back to that form after an error page (an expired page or login), and
//    dropped otherwise.
// Fields are kept for this tab only (sessionStorage) and put back once;
// passwords, files and the CSRF token never.
(function () {
  var KEY = "xs-typed:" + location.pathname;
  var SENT = "xs-sent";

  function kept(el) {
    if (!el.name || el.name === "_csrf" || el.disabled) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && ["text", "tel", "email", "number", "date", "time", "search", ""].indexOf(el.type) >= 0;
  }

  function postForms() {
    return Array.prototype.filter.call(document.forms, function (f) {
      return (f.getAttribute("method") || "").toLowerCase() === "post" && !f.hasAttribute("hx-post");
    });
  }

  document.addEventListener("submit", function (e) {
    var f = e.target;
    if ((f.getAttribute("method") || "").toLowerCase() !== "post" || f.hasAttribute("hx-post")) return;
    if (f.dataset.sent) { e.preventDefault(); return; }
    f.dataset.sent = "1";
    var fields = [];
    Array.prototype.forEach.call(f.elements, function (el) {
      if (kept(el)) fields.push([el.name, el.value]);
    });
    try {
      sessionStorage.setItem(SENT, JSON.stringify({ action: f.getAttribute("action") || "", fields: fields }));
    } catch (err) { /* storage off: nothing kept */ }
    // After the browser has read the clicked button's name and value.
    setTimeout(function () {
      f.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (b) {
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
      });
    }, 0);
  });

  // Back to a page from the browser's cache: its forms may be sent again.
  window.addEventListener("pageshow", function () {
    postForms().forEach(function (f) {
      delete f.dataset.sent;
      f.querySelectorAll("[aria-busy]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-busy"); });
    });
  });

  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("#elder-toggle, #lang-switch");
    if (!a) return;
    var typed = [];
    postForms().forEach(function (f, i) {
      Array.prototype.forEach.call(f.elements, function (el) {
        if (kept(el) && el.value !== el.defaultValue) typed.push([i, el.name, el.value]);
      });
    });
    try {
      if (typed.length) sessionStorage.setItem(KEY, JSON.stringify(typed));
    } catch (err) { /* storage off: the switch still works */ }
  });

  function take(key) {
    try {
      var v = JSON.parse(sessionStorage.getItem(key) || "null");
      sessionStorage.removeItem(key);
      return v;
    } catch (err) { return null; }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = postForms();
    var typed = take(KEY);
    if (typed) {
      typed.forEach(function (t) {
        var f = forms[t[0]];
        var el = f && f.elements.namedItem(t[1]);
        if (el && kept(el)) el.value = t[2];
      });
    }
    var sent = take(SENT);
    if (!sent) return;
    // An error page instead of an answer (a page left open until the login
    // timed out): kept for when the user is back at the form.
    if (document.getElementById("error-page")) {
      sent.failed = true;
      try { sessionStorage.setItem(SENT, JSON.stringify(sent)); } catch (err) { /* nothing kept */ }
      return;
    }
    var form = forms.filter(function (f) { return (f.getAttribute("action") || "") === sent.action; })[0];
    if (!form || !(sent.failed || document.querySelector(".flash.bad"))) return;
    sent.fields.forEach(function (t) {
      var el = form.elements.namedItem(t[0]);
      // A field the server filled again is left as it is.
      if (el && kept(el) && el.value === el.defaultValue && el.value !== t[1]) el.value = t[1];
    });
    // A form folded away (<details>) is opened to show what came back.
    var d = form.closest("details");
    if (d) d.open = true;
  });
})();
