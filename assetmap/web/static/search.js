/* The search page on any screen: empty choices left out of the URL, the map one tap away on a phone.
   Everything here is an enhancement; without it the form and the list work as they are. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var form = document.getElementById("search-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      /* Only what the person chose goes in the address: no "category=&audience=". */
      event.preventDefault();
      var query = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        if (typeof value === "string" && value.trim()) { query.append(key, value.trim()); }
      });
      var text = query.toString();
      window.location.assign(form.getAttribute("action") + (text ? "?" + text : ""));
    });
  }

  var layout = document.getElementById("results-layout");
  var toggle = document.querySelector(".view-toggle");
  if (!layout || !toggle || !document.getElementById("map")) { return; }
  var listButton = toggle.querySelector(".toggle-list"), mapButton = toggle.querySelector(".toggle-map");
  var narrow = window.matchMedia("(max-width: 59.99rem)");

  function show(map) {
    layout.classList.toggle("show-map", map);
    listButton.setAttribute("aria-pressed", String(!map));
    mapButton.setAttribute("aria-pressed", String(map));
    window.dispatchEvent(new Event("resize"));   /* Leaflet measures its box again once it is on screen */
  }
  function fit() { toggle.hidden = !narrow.matches; if (!narrow.matches) { show(false); } }
  listButton.addEventListener("click", function () { show(false); });
  mapButton.addEventListener("click", function () { show(true); });
  if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
  fit();
}());
