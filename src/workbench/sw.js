// The member's workbench offline (served at /m/sw.js, scope /m/).
// The page is fetched from the network first and its last good copy kept;
// when the network fails or the server is in trouble (5xx), that copy is
// shown, marked (data-from="cache") so that the page says it is not live.
// Signed out (a redirect to the login page) or refused (401, 403, 404), the
// copy is deleted. The stylesheets, scripts and icons it
// needs are kept the same way. Nothing else of the site is touched, and
// nothing but GET: a form always goes to the server.
"use strict";

var PAGE = "/m/";
var PAGE_CACHE = "xs-workbench-page";
var SHELL_CACHE = "xs-workbench-shell";
var SHELL = [
  "/static/app.css",
  "/static/workbench.css",
  "/static/workbench.js",
  "/static/forms.js",
  "/static/nav.js",
  "/static/htmx.min.js",
  "/static/icon.svg",
  "/m/manifest.webmanifest"
];

self.addEventListener("install", function (e) {
  e.waitUntil(
    caches.open(SHELL_CACHE)
      .then(function (c) { return c.addAll(SHELL); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (e) {
  e.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    e.respondWith(page(req));
  } else if (SHELL.indexOf(url.pathname) >= 0) {
    e.respondWith(kept(req, url.pathname, SHELL_CACHE));
  }
});

function page(req) {
  return fetch(req).then(function (res) {
    return caches.open(PAGE_CACHE).then(function (c) {
      // Nobody's page to keep: signed out (sent to the login page), or
      // not a member's (401, 403, 404). The copy goes.
      if (res.type === "opaqueredirect" || res.redirected || [401, 403, 404].indexOf(res.status) >= 0) {
        return c.delete(PAGE).then(function () { return res; });
      }
      // The server's trouble (502, 503): the copy stays, and is shown.
      if (res.status >= 500) {
        return copyOf(c).then(function (copy) { return copy || res; });
      }
      // The member's own page, kept; but not one that carries a one-off
      // message (a flash), which the copy would show again.
      if (res.ok && res.type === "basic" && !res.headers.get("x-workbench-once")) {
        return c.put(PAGE, res.clone()).then(function () { return res; });
      }
      return res;
    });
  }, function () {
    return caches.open(PAGE_CACHE)
      .then(copyOf)
      .then(function (copy) { return copy || Response.error(); });
  });
}

// The kept page, marked (data-from="cache") as not live; null if none.
function copyOf(c) {
  return c.match(PAGE).then(function (copy) {
    if (!copy) return null;
    return copy.text().then(function (html) {
      var marked = html.replace('data-from="network"', 'data-from="cache"');
      // Its own headers (the content security policy above all), but
      // for the length and encoding of a body that has changed.
      var headers = new Headers(copy.headers);
      headers.delete("content-length");
      headers.delete("content-encoding");
      return new Response(marked, { status: 200, headers: headers });
    });
  });
}

function kept(req, path, name) {
  return fetch(req).then(function (res) {
    if (!res.ok) return res;
    var copy = res.clone();
    return caches.open(name)
      .then(function (c) { return c.put(path, copy); })
      .then(function () { return res; });
  }, function () {
    return caches.open(name)
      .then(function (c) { return c.match(path); })
      .then(function (r) { return r || Response.error(); });
  });
}
