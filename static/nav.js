// The navigation's menus work without this script (details/summary); it only
// keeps one open at a time and closes it on a click elsewhere or Escape.
(function () {
  function menus() { return document.querySelectorAll("nav.main-nav details"); }
  function closeAll(except) {
    menus().forEach(function (d) { if (d !== except) d.open = false; });
  }
  document.addEventListener("toggle", function (e) {
    if (e.target.matches && e.target.matches("nav.main-nav details") && e.target.open) closeAll(e.target);
  }, true);
  document.addEventListener("click", function (e) {
    if (!e.target.closest("nav.main-nav details")) closeAll(null);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var open = document.querySelector("nav.main-nav details[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
})();

// Nobody signed in (signed out from any page, the session expired, the
// account disabled): the copy of the member's workbench that its service
// worker keeps for offline use (/m/sw.js) is deleted. Drafts kept on the
// phone stay; they are sent only in their writer's own session.
(function () {
  if (!document.body || !document.body.hasAttribute("data-signed-out")) return;
  if (!window.caches) return;
  caches.delete("xs-workbench-page").catch(function () { /* nothing kept */ });
})();
