// The member's workbench on a phone (/m/), with no inline script (the CSP
// forbids it). Without this script the page still works as plain forms.
// 1. Registers the service worker (/m/sw.js) that keeps the last view, and
//    says so when the page shown is that copy rather than the live one.
// 2. An opinion is first kept on the phone (IndexedDB: its text and its
//    photos), then sent; what could not be sent is sent again when the
//    network is back (the `online` event, the page shown again, every 30 s).
//    Each draft carries its own key, made here (never the page's, which an
//    offline copy repeats), so however often it is sent it makes one case;
//    it is sent only in its writer's session, with that session's form
//    token, fetched just before (the page may be an offline copy). A draft
//    the server refuses stays on the phone, listed with the reason, until
//    the member edits and submits it again, sends it again, or discards it.
// 3. Where the browser reads QR codes (BarcodeDetector), a photo of a
//    meeting's sign-in code opens that meeting's sign-in page.
(function () {
  "use strict";
  var root = document.getElementById("workbench");
  if (!root) return;
  var msg = root.dataset; // the page's texts in its language (data-msg-*)
  var user = root.dataset.user;
  var form = document.getElementById("report-form");
  var status = document.getElementById("queue-status");
  var PAGE_CACHE = "xs-workbench-page"; // sw.js keeps the page under it

  function el(id) { return document.getElementById(id); }
  function show(id, on) { var e = el(id); if (e) e.hidden = !on; }

  // 1. The offline copy, and the network coming and going.
  if (root.dataset.from === "cache") show("offline-banner", true);
  if (navigator.onLine === false) show("offline-now", true);
  window.addEventListener("offline", function () { show("offline-now", true); });
  window.addEventListener("online", function () { show("offline-now", false); flush(); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).catch(function () { /* no offline copy */ });
  }
  // Signing out leaves no copy of the page on the phone (drafts stay, and
  // are sent only in their writer's next session).
  Array.prototype.forEach.call(document.querySelectorAll("form[action='/logout']"), function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.caches) return;
      e.preventDefault();
      e.stopPropagation();
      var out = function () { f.submit(); };
      caches.delete(PAGE_CACHE).then(out, out);
    });
  });

  // 2. Drafts kept on the phone.
  function db() {
    return new Promise(function (resolve, reject) {
      var r = indexedDB.open("xs-workbench", 1);
      r.onupgradeneeded = function () { r.result.createObjectStore("drafts", { keyPath: "key" }); };
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }

  function store(mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("drafts", mode);
        var req = work(t.objectStore("drafts"));
        t.oncomplete = function () { d.close(); resolve(req.result); };
        t.onerror = t.onabort = function () { d.close(); reject(t.error); };
      });
    });
  }

  // A new draft is added, never put over another: two drafts with one key
  // (which fresh random keys make all but impossible) fail, never merge.
  function add(draft) { return store("readwrite", function (s) { return s.add(draft); }); }
  function update(draft) { return store("readwrite", function (s) { return s.put(draft); }); }
  function drop(key) { return store("readwrite", function (s) { return s["delete"](key); }); }
  function mine() {
    return store("readonly", function (s) { return s.getAll(); }).then(function (all) {
      return all.filter(function (d) { return d.user === user; });
    });
  }
  function toSend() {
    return mine().then(function (all) { return all.filter(function (d) { return !d.refused; }); });
  }

  // A fresh key for each draft, and for the page's form on every load (the
  // page may be an offline copy, whose key the server gave once): 32 hex
  // digits, as the server takes them (16 to 64 letters, digits, - or _).
  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  if (form && form.elements.namedItem("key")) form.elements.namedItem("key").value = newKey();

  // The form as a draft under a new key: its fields but the token and the
  // key, and its photos as Blobs.
  function draftOf(f) {
    var d = { key: newKey(), user: user, at: Date.now(), fields: [], photos: [], refused: false, reason: "" };
    Array.prototype.forEach.call(f.elements, function (e) {
      if (!e.name || e.name === "_csrf" || e.name === "key" || e.disabled) return;
      if (e.type === "file") {
        Array.prototype.forEach.call(e.files || [], function (p) { d.photos.push({ name: p.name, type: p.type, blob: p }); });
      } else if (e.tagName !== "BUTTON") {
        d.fields.push([e.name, e.value]);
      }
    });
    return d;
  }

  // Kept under its fresh key; should that one be taken, under another.
  function keep(draft) {
    return add(draft)["catch"](function (err) {
      if (!err || err.name !== "ConstraintError") throw err;
      draft.key = newKey();
      return add(draft);
    });
  }

  function say(text, kind, link) {
    if (!status) return;
    status.textContent = text;
    status.className = "flash " + (kind || "info");
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      a.className = "code small";
      status.appendChild(document.createTextNode(" "));
      status.appendChild(a);
    }
    status.hidden = false;
    // Below the button a thumb just pressed: brought into view.
    if (status.scrollIntoView) status.scrollIntoView({ block: "nearest" });
  }

  function waiting(n) {
    if (n > 0) say(n > 1 ? msg.msgWaiting.replace("%{n}", n) : msg.msgQueued);
  }

  if (form && window.indexedDB && window.fetch && window.FormData && window.Promise) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      e.stopPropagation(); // forms.js guards plain posts; this one is ours
      var draft = draftOf(form);
      keep(draft).then(function () {
        // A refused draft, edited and submitted again: this one replaces it.
        var replaced = editing;
        editing = null;
        show("editing-note", false);
        form.reset();
        form.elements.namedItem("key").value = newKey();
        say(msg.msgQueued);
        return (replaced ? drop(replaced) : Promise.resolve()).then(listRefused).then(flush);
      }, function () {
        // Nothing can be kept on this phone (a private window): a plain post.
        form.submit();
      });
    });
    listRefused();
    flush();
  }

  // The signed-in member and their form token, or null when signed out.
  function session() {
    return fetch("/m/session", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok && isJson(r) ? r.json() : null; });
  }

  function isJson(r) {
    return (r.headers.get("content-type") || "").indexOf("application/json") === 0;
  }

  // Why sending stopped when nothing more is to be tried now.
  function Stop() {}

  function send(d, token) {
    var body = new FormData();
    body.append("_csrf", token); // first: the server finds it before any photo
    body.append("key", d.key); // then the key: a draft sent before is answered before its photos are read
    d.fields.forEach(function (f) { body.append(f[0], f[1]); });
    d.photos.forEach(function (p) { body.append("photo", p.blob, p.name); });
    say(msg.msgSending);
    return fetch("/m/opinions", {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) {
      if (r.ok && isJson(r)) {
        return r.json().then(function (c) { return drop(d.key).then(function () { sent(c); }); });
      }
      if (r.status === 400 || r.status === 413) {
        // Refused as it stands: kept, marked, and listed for the member to
        // edit, send again or discard (it is not sent again by itself).
        var why = isJson(r) ? r.json() : Promise.resolve({});
        return why.then(function (e) {
          d.refused = true;
          d.reason = e.message || (r.status === 413 ? msg.msgTooLarge : "");
          return update(d).then(function () { return refused(d); });
        });
      }
      if (r.redirected || r.status === 401 || r.status === 403) {
        say(msg.msgLogin, "bad");
        throw new Stop();
      }
      throw new Error("not sent: " + r.status); // the server's trouble: later
    });
  }

  function sent(c) {
    say(c["new"] ? msg.msgSent : msg.msgAgain, "ok", { href: c.href, text: c.code });
    var list = el("mine-list");
    if (!list || !c["new"]) return;
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = c.href;
    a.className = "code small";
    a.textContent = c.code;
    var tag = document.createElement("span");
    tag.className = "tag";
    tag.textContent = msg.statusNew;
    li.appendChild(a);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(tag);
    list.insertBefore(li, list.firstChild);
    show("mine-empty", false);
  }

  function refused(d) {
    say(msg.msgRefused + " " + d.reason, "bad");
    return listRefused();
  }

  // The refused drafts, each with its first words and the reason, and what
  // the member may do with it: edit, send again, discard.
  var editing = null; // the key of the refused draft now in the form
  function listRefused() {
    var list = el("refused-list");
    if (!list) return Promise.resolve();
    return mine().then(function (all) {
      var kept = all.filter(function (d) { return d.refused; });
      while (list.firstChild) list.removeChild(list.firstChild);
      kept.forEach(function (d) {
        var li = document.createElement("li");
        li.className = "refused-draft";
        var body = (d.fields.filter(function (f) { return f[0] === "body"; })[0] || ["", ""])[1];
        var text = document.createElement("span");
        text.className = "draft-text";
        text.textContent = body.length > 30 ? body.slice(0, 30) + "…" : body;
        li.appendChild(text);
        if (d.reason) {
          var why = document.createElement("small");
          why.className = "draft-reason muted";
          why.textContent = " " + d.reason;
          li.appendChild(why);
        }
        var actions = document.createElement("div");
        actions.className = "wb-reply";
        actions.appendChild(button(msg.labelEdit, "edit", function () { edit(d); }));
        actions.appendChild(button(msg.labelResend, "resend", function () { resend(d); }));
        actions.appendChild(button(msg.labelDiscard, "discard", function () { discard(d); }));
        li.appendChild(actions);
        list.appendChild(li);
      });
      show("refused", kept.length > 0);
    }, function () { /* nothing kept on this phone */ });
  }

  function button(label, kind, act) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "draft-" + kind;
    b.textContent = label;
    b.addEventListener("click", act);
    return b;
  }

  // Back into the form, to be corrected; submitted, it replaces this one.
  function edit(d) {
    var body = form.elements.namedItem("body");
    if (body && body.value && editing !== d.key) { say(msg.msgFormBusy, "bad"); return; }
    d.fields.forEach(function (f) {
      var e = form.elements.namedItem(f[0]);
      if (e && f[0] !== "key") e.value = f[1];
    });
    try {
      var dt = new DataTransfer();
      d.photos.forEach(function (p) { dt.items.add(new File([p.blob], p.name, { type: p.type })); });
      form.elements.namedItem("photo").files = dt.files;
    } catch (err) {
      if (d.photos.length) say(msg.msgPhotosAgain, "bad");
    }
    editing = d.key;
    show("editing-note", true);
    if (form.scrollIntoView) form.scrollIntoView({ block: "start" });
  }

  function resend(d) {
    d.refused = false;
    d.reason = "";
    return update(d).then(listRefused).then(flush);
  }

  function discard(d) {
    if (!window.confirm(msg.msgDiscardConfirm)) return;
    if (editing === d.key) { editing = null; show("editing-note", false); }
    return drop(d.key).then(listRefused);
  }

  var flushing = null;
  var again = false;
  var timer = null;

  // Sends the drafts waiting (not the refused ones) in turn; asked again
  // while sending, it goes over them once more when done.
  function flush() {
    if (flushing) { again = true; return flushing; }
    var done = function () {
      flushing = null;
      if (again) { again = false; flush(); }
    };
    flushing = toSend().then(function (drafts) {
      if (!drafts.length) return;
      if (navigator.onLine === false) throw new Error("offline");
      return session().then(function (s) {
        if (!s) { say(msg.msgLogin, "bad"); return; }
        if (String(s.user) !== user) return; // another person's session on this phone
        return drafts.reduce(function (p, d) { return p.then(function () { return send(d, s.csrf); }); }, Promise.resolve());
      });
    })["catch"](function (err) {
      if (err instanceof Stop) return;
      // No network on the way: kept, and tried again.
      return toSend().then(function (left) {
        waiting(left.length);
        if (left.length && !timer) timer = setTimeout(function () { timer = null; flush(); }, 30000);
      });
    }).then(done, done);
    return flushing;
  }

  // 3. Sign-in by a photo of the code, where the browser reads QR codes.
  var scan = el("scan");
  var input = el("scan-input");
  if (scan && input && "BarcodeDetector" in window && window.createImageBitmap) {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") >= 0) scan.hidden = false;
    }, function () { /* stays hidden */ });
    input.addEventListener("change", function () {
      var photo = input.files && input.files[0];
      if (!photo) return;
      createImageBitmap(photo)
        .then(function (img) { return new window.BarcodeDetector({ formats: ["qr_code"] }).detect(img); })
        .then(function (codes) {
          var to = codes.length ? signInPath(codes[0].rawValue) : null;
          if (to) location.href = to;
          else scanSays(codes.length ? msg.msgNotOurs : msg.msgNoCode);
        }, function () { scanSays(msg.msgNoCode); })
        .then(function () { input.value = ""; });
    });
  }

  function scanSays(text) {
    var p = el("scan-result");
    if (!p) return;
    p.textContent = text;
    p.hidden = false;
  }

  // A meeting's sign-in address on this site, as its QR code holds it.
  function signInPath(raw) {
    var u;
    try { u = new URL(raw, location.href); } catch (err) { return null; }
    if (u.host !== location.host) return null;
    return /^\/(activities|consultations)\/\d+\/signin$/.test(u.pathname) ? u.pathname + u.search : null;
  }
})();
