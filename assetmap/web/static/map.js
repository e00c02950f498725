/* The map is an enhancement: it draws the same activities the list shows, from the GeoJSON twin of
   the same search. Popups are built with textContent, never from HTML strings. */
(function () {
  "use strict";

  function tileLayer(el) {
    var url = el.dataset.tiles;
    return url ? L.tileLayer(url, { attribution: el.dataset.attribution || "", maxZoom: 19 }) : null;
  }

  function makeMap(el) {
    var map = L.map(el, { maxZoom: 18 }).setView([53.43, -2.35], 12);
    var tiles = tileLayer(el);
    if (tiles) { tiles.addTo(map); }
    return map;
  }

  function popupFor(props) {
    var box = document.createElement("div");
    var name = document.createElement("a");
    name.className = "popup-name";
    name.href = props.url;
    name.textContent = props.name;
    box.appendChild(name);
    [props.schedule_text, props.freshness && props.freshness.label].forEach(function (text) {
      if (!text) { return; }
      var line = document.createElement("div");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  function listItem(id) { return document.getElementById("activity-" + id); }

  function linkListAndMarkers(markers, cluster) {
    Object.keys(markers).forEach(function (id) {
      var item = listItem(id), marker = markers[id];
      if (!item) { return; }
      var on = function () { item.classList.add("highlight"); cluster.zoomToShowLayer(marker, function () { marker.openPopup(); }); };
      var off = function () { item.classList.remove("highlight"); };
      item.addEventListener("mouseenter", on); item.addEventListener("focusin", on);
      item.addEventListener("mouseleave", off); item.addEventListener("focusout", off);
      marker.on("click", function () { item.scrollIntoView({ behavior: "smooth", block: "center" }); item.focus({ preventScroll: true }); });
    });
  }

  function label(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function outlineLayer(map, kind) {
    /* Boundaries for the visible part of the map only, fetched again when the map moves. */
    var layer = L.geoJSON(null, {
      style: { color: "#1d4f91", weight: 1, fill: false },
      onEachFeature: function (feature, shape) { shape.bindTooltip(label(feature.properties.name), { sticky: true }); }
    });
    function refresh() {
      if (!map.hasLayer(layer)) { return; }
      var b = map.getBounds();
      var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); }).join(",");
      fetch("/api/areas.geojson?kind=" + kind + "&bbox=" + box)
        .then(function (response) { return response.json(); })
        .then(function (data) { layer.clearLayers(); layer.addData(data); });
    }
    layer.on("add", refresh);
    map.on("moveend", refresh);
    return layer;
  }

  function addOutlineControl(map) {
    L.control.layers(null, {
      "Ward boundaries": outlineLayer(map, "ward"),
      "Council boundaries": outlineLayer(map, "lad"),
      "NHS area boundaries (ICB)": outlineLayer(map, "icb")
    }, { collapsed: true }).addTo(map);
  }

  function drawResults(el) {
    var map = makeMap(el);
    addOutlineControl(map);
    fetch(el.dataset.geojson, { headers: { Accept: "application/geo+json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var cluster = L.markerClusterGroup(), markers = {};
        data.features.forEach(function (feature) {
          var c = feature.geometry.coordinates;
          var marker = L.marker([c[1], c[0]], { title: feature.properties.name, alt: feature.properties.name });
          marker.bindPopup(popupFor(feature.properties));
          markers[feature.properties.id] = marker;
          cluster.addLayer(marker);
        });
        map.addLayer(cluster);
        if (data.features.length) { map.fitBounds(cluster.getBounds(), { padding: [20, 20], maxZoom: 15 }); }
        el.dataset.markers = String(data.features.length);
        linkListAndMarkers(markers, cluster);
      });
  }

  function drawPoint(el) {
    var parts = el.dataset.point.split(",").map(Number);
    var map = makeMap(el);
    map.setView(parts, 15);
    L.marker(parts, { title: el.dataset.name, alt: el.dataset.name }).addTo(map);
  }

  var el = document.getElementById("map");
  if (el && window.L && el.dataset.geojson) { drawResults(el); }
  if (el && window.L && el.dataset.point) { drawPoint(el); }
  var print = document.querySelector(".print-button");
  if (print) { print.hidden = false; print.addEventListener("click", function () { window.print(); }); }
}());
