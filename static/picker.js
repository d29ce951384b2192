// Member pickers (templates/meetings/partials.html): a name search that
// unfolds every group, and 全选 / 全不选 per group, over plain checkboxes.
document.querySelectorAll("[data-picker]").forEach(function (picker) {
  picker.querySelectorAll(".picker-tools").forEach(function (p) { p.hidden = false; });
  var search = picker.querySelector(".picker-search");
  search.addEventListener("input", function () {
    var q = search.value.trim();
    picker.querySelectorAll(".picker-group").forEach(function (g) {
      if (q) g.open = true;
      g.querySelectorAll("label[data-name]").forEach(function (l) {
        l.hidden = q !== "" && l.dataset.name.indexOf(q) < 0;
      });
    });
  });
  picker.querySelectorAll(".picker-group").forEach(function (g) {
    var set = function (on) {
      g.querySelectorAll("label[data-name]").forEach(function (l) {
        if (!l.hidden) l.querySelector("input").checked = on;
      });
    };
    g.querySelector("[data-all]").addEventListener("click", function () { set(true); });
    g.querySelector("[data-none]").addEventListener("click", function () { set(false); });
  });
});
