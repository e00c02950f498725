/* The coverage map is an enhancement: it colours in the areas the table above already lists, from the
   GeoJSON twin of the same query. Colours come from CSS classes (cov-c0…cov-c4) shared with the HTML
   legend; the classes are the server's (data-breaks). Every area can be reached with the keyboard:
   Tab moves between areas, Enter or Space shows the area's row in the table. Text is set with
   textContent, never from HTML strings. */
(function () {
  "use strict";
  var PALETTE_SIZE = 5;

  function classOf(value, breaks) {
    if (value === null || value === undefined || !breaks.length) { return null; }
    for (var i = 0; i < breaks.length; i += 1) { if (value <= breaks[i]) { return i; } }
    return breaks.length - 1;
  }

  function className(props, measure, breaks) {
    var index = classOf(props[measure], breaks);
    var names = ["cov-area", index === null ? "cov-none" : "cov-c" + (PALETTE_SIZE - breaks.length + index)];
    if (props.flagged) { names.push("cov-flagged"); }
    return names.join(" ");
  }

  function describe(props, el) {
    var value = props[el.dataset.measure];
    var text = (props.name || props.code) + ": " + el.dataset.measureLabel.split(" (")[0] + " " +
      (value === null || value === undefined ? "no figure" : String(Math.round(value * 1000) / 1000));
    return props.flagged ? text + ". Flagged: high need, low access" : text;
  }

  function tooltip(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function showRow(code) {
    var row = document.getElementById("area-" + code);
    if (!row) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("#coverage-table tr.highlight"), function (r) { r.classList.remove("highlight"); });
    row.classList.add("highlight");
    row.scrollIntoView({ block: "center" });
    row.focus({ preventScroll: true });
  }

  function makeKeyboardUsable(shape, props, text) {
    var path = shape.getElement();
    if (!path) { return; }
    path.setAttribute("tabindex", "0");
    path.setAttribute("role", "button");
    path.setAttribute("aria-label", text + ". Press Enter to show it in the table.");
    path.addEventListener("focus", function () { shape.openTooltip(); path.classList.add("cov-focus"); });
    path.addEventListener("blur", function () { shape.closeTooltip(); path.classList.remove("cov-focus"); });
    path.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); showRow(props.code); }
    });
  }

  function draw(el) {
    var breaks = JSON.parse(el.dataset.breaks || "[]"), measure = el.dataset.measure;
    var map = L.map(el, { maxZoom: 16 }).setView([53.0, -1.5], 6);
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { attribution: el.dataset.attribution || "", maxZoom: 19, opacity: 0.6 }).addTo(map); }
    fetch(el.dataset.geojson, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (feature) {
            return { className: className(feature.properties, measure, breaks), weight: 1, color: "#505a5f", fillOpacity: 0.8 };
          },
          onEachFeature: function (feature, shape) {
            var text = describe(feature.properties, el);
            shape.bindTooltip(tooltip(text), { sticky: true });
            shape.on("add", function () { makeKeyboardUsable(shape, feature.properties, text); });
            shape.on("click", function () { showRow(feature.properties.code); });
          }
        }).addTo(map);
        if (layer.getLayers().length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
        var drawn = layer.getLayers().length, missing = data.features.length - drawn;
        if (missing > 0) {
          document.getElementById("coverage-map-note").textContent = missing + " of the " + data.features.length +
            " areas have no boundary loaded, so they are in the table but not on the map.";
        }
        el.dataset.areas = String(drawn);
      })
      .catch(function () { el.dataset.areas = "error"; });
  }

  var el = document.getElementById("coverage-map");
  if (el && window.L && window.fetch) {
    document.getElementById("coverage-map-section").hidden = false;   // without JavaScript the table alone is shown
    draw(el);
  }
}());
