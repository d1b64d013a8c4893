// Small enhancements only: every page works without this file.
(function () {
  "use strict";

  // "/" focuses the search box, as in most tools; not while typing elsewhere.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (typing) return;
    var box = document.querySelector("[data-search-shortcut]");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // On a phone the filters start folded so the results come first.
  if (window.matchMedia("(max-width: 820px)").matches) {
    document.querySelectorAll("details[data-fold-on-phone]").forEach(function (box) {
      box.open = false;
    });
  }

  // "Select all" checkbox of the alerts list.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) return;
    var form = all.form;
    form.querySelectorAll('input[name="ids"]').forEach(function (box) {
      box.checked = all.checked;
    });
  });

  // Ask before destructive buttons (group deletion, note deletion).
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // The article list: j and k move to the next and previous article, o (or
  // Enter) opens it. Not while typing, nor with a modifier key.
  var list = document.querySelector("[data-keyboard-list]");
  if (list) {
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-nav-item]"));
    var current = -1;
    var select = function (index) {
      if (!items.length) return;
      index = Math.max(0, Math.min(items.length - 1, index));
      if (current >= 0) items[current].classList.remove("current");
      current = index;
      var item = items[current];
      item.classList.add("current");
      item.scrollIntoView({ block: "nearest" });
      var link = item.querySelector("[data-open]");
      if (link) link.focus({ preventScroll: true });
    };
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
      if (event.key === "j") select(current + 1);
      else if (event.key === "k") select(current < 0 ? 0 : current - 1);
      else if (event.key === "o" && current >= 0) {
        var link = items[current].querySelector("[data-open]");
        if (link) window.location.href = link.href;
      } else return;
      event.preventDefault();
    });
  }
})();
