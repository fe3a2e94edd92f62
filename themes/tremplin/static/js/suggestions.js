// Optional: suggestions while typing in a search box. Without this script the search works
// the same (a plain GET form to /recherche). It fills a <datalist> with page titles from
// /api/v1/search; choosing one opens that page.
(function () {
  "use strict";
  if (!window.fetch || !document.querySelector) return;
  var inputs = document.querySelectorAll('input[type="search"][name="q"]');
  Array.prototype.forEach.call(inputs, function (input, n) {
    var list = document.createElement("datalist");
    list.id = "suggestions-" + n;
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    input.parentNode.appendChild(list);
    var urls = {};
    var timer = null;
    var last = "";
    input.addEventListener("input", function (e) {
      var q = input.value.trim();
      var picked = !e.inputType || e.inputType === "insertReplacementText";
      if (picked && urls[q]) { window.location.href = urls[q]; return; }
      clearTimeout(timer);
      if (q.length < 3 || q === last) return;
      timer = setTimeout(function () {
        last = q;
        fetch("/api/v1/search?limit=6&q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data || input.value.trim() !== q) return;
            list.textContent = "";
            urls = {};
            data.hits.forEach(function (h) {
              var o = document.createElement("option");
              o.value = h.title;
              urls[h.title] = h.url;
              list.appendChild(o);
            });
          })
          .catch(function () {});
      }, 250);
    });
  });
})();
