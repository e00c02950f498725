/* The map is an enhancement: the list beside it works without it.

   Search mode (the page has a "q" or "near"): the map opens on this page's results (from the JSON
   twin of the same search) and, once the view is known, loads every other match inside it.
   Browse mode (no words and no place: the whole directory, or only the page's filters): every
   matching activity in view, fetched by bounding box from /api/activities.geojson?bbox=…&compact=1,
   again whenever the view moves outside what was loaded. Boxes are snapped to a grid so that panning
   back asks for the same address and the browser's cache (ETag, Cache-Control) answers.
   Either way the list area says how many activities are in view. Markers are clustered; popups are
   built with textContent, never from HTML strings (feed text is never trusted). */
(function () {
  "use strict";

  var BROWSE_MIN_ZOOM = 9;        /* below this a view can hold a whole region: ask the person to zoom in */
  var MOVE_DELAY_MS = 250;        /* wait for the map to settle before asking for more */
  var FRESHNESS_WORDS = {
    fresh: "Checked recently", ageing: "Worth ringing before you go",
    stale: "Details may be out of date: ring before you go", unknown: "Never checked: ring before you go"
  };
  var DROP = ["page", "per_page", "bbox", "compact"];

  function tileLayer(el) {
    var url = el.dataset.tiles;
    return url ? L.tileLayer(url, { attribution: el.dataset.attribution || "", maxZoom: 19 }) : null;
  }

  function makeMap(el) {
    /* minZoom 5 (all of England on a phone) spares the clusterer levels nobody needs */
    var map = L.map(el, { maxZoom: 18, minZoom: 5 }).setView([53.43, -2.35], 12);
    var tiles = tileLayer(el);
    if (tiles) { tiles.addTo(map); }
    return map;
  }

  function line(box, text, className) {
    if (!text) { return; }
    var div = document.createElement("div");
    if (className) { div.className = className; }
    div.textContent = text;
    box.appendChild(div);
  }

  function activityHref(props) {
    var url = String(props.url || "");
    return /^\/activities\/[^/]+$/.test(url) ? url : "/activities/" + encodeURIComponent(String(props.id));
  }

  function popupFor(props) {
    /* Full items carry freshness as an object with a label; compact ones carry only its state. */
    var box = document.createElement("div");
    var name = document.createElement("a");
    name.className = "popup-name";
    name.href = activityHref(props);
    name.textContent = String(props.name || "Activity");
    box.appendChild(name);
    line(box, props.schedule_text);
    var fresh = props.freshness;
    line(box, fresh && typeof fresh === "object" ? fresh.label : FRESHNESS_WORDS[fresh], "popup-freshness");
    return box;
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

  /* ---- the search's arguments ---- */

  function searchArgs(el) {
    var raw = el.dataset.geojson || "", at = raw.indexOf("?");
    var args = new URLSearchParams(at >= 0 ? raw.slice(at + 1) : "");
    return { path: at >= 0 ? raw.slice(0, at) : raw, args: args };
  }

  function isBrowse(args) {
    return !(args.get("q") || "").trim() && !(args.get("near") || "").trim();
  }

  function filtersOnly(args) {
    var kept = new URLSearchParams();
    args.forEach(function (value, key) { if (DROP.indexOf(key) < 0 && value.trim()) { kept.append(key, value); } });
    return kept;
  }

  /* ---- the count in the list area ---- */

  function countLine(el) {
    var line = document.getElementById("map-count");
    if (line) { return line; }
    line = document.createElement("p");
    line.id = "map-count";
    line.className = "map-count";
    line.setAttribute("role", "status");
    /* Above the list and the map together, so a phone shows it in either view. */
    var where = document.getElementById("results-layout") || document.getElementById("results") || el;
    where.parentNode.insertBefore(line, where);
    return line;
  }

  function sayCount(line, count) {
    line.textContent = count === 1 ? "1 activity in this part of the map" : count.toLocaleString("en-GB") + " activities in this part of the map";
  }

  /* ---- markers ---- */

  function markerFor(props, lat, lon) {
    var name = String(props.name || "Activity");
    var marker = L.marker([lat, lon], { title: name, alt: name });
    marker.bindPopup(function () { return popupFor(props); });   /* built only when opened */
    return marker;
  }

  function Markers(map) {
    /* Street level shows every marker on its own: no clusters to work out beyond zoom 16. */
    this.cluster = L.markerClusterGroup({ showCoverageOnHover: false, disableClusteringAtZoom: 17 });
    this.byId = {};
    map.addLayer(this.cluster);
  }

  Markers.prototype.add = function (entries) {
    /* entries: [{id, props, lat, lon}]; an id already drawn keeps its marker (and any open popup). */
    var fresh = [], self = this;
    entries.forEach(function (entry) {
      if (self.byId[entry.id]) { return; }
      var marker = markerFor(entry.props, entry.lat, entry.lon);
      marker.activityId = entry.id;
      self.byId[entry.id] = marker;
      fresh.push(marker);
    });
    if (fresh.length) { this.cluster.addLayers(fresh); }
  };

  Markers.prototype.keepOnly = function (ids, pinned) {
    /* Drop markers a new box no longer holds, except this page's own results. */
    var gone = [], self = this;
    Object.keys(this.byId).forEach(function (id) {
      if (!ids[id] && !pinned[id]) { gone.push(self.byId[id]); delete self.byId[id]; }
    });
    if (gone.length) { this.cluster.removeLayers(gone); }
  };

  Markers.prototype.countIn = function (bounds) {
    var count = 0, byId = this.byId;
    Object.keys(byId).forEach(function (id) { if (bounds.contains(byId[id].getLatLng())) { count += 1; } });
    return count;
  };

  Markers.prototype.total = function () { return Object.keys(this.byId).length; };

  function fromFeatures(data) {
    return (data.features || []).map(function (feature) {
      var c = feature.geometry.coordinates;
      return { id: String(feature.properties.id), props: feature.properties, lat: c[1], lon: c[0] };
    });
  }

  /* ---- loading by bounding box ---- */

  function snappedBox(map) {
    /* The view padded by a quarter, its edges moved out to a grid that depends on the zoom. */
    var b = map.getBounds().pad(0.25), step = 360 / Math.pow(2, Math.max(0, map.getZoom() - 1));
    step = Math.max(step / 4, 0.01);
    var west = Math.floor(b.getWest() / step) * step, south = Math.floor(b.getSouth() / step) * step;
    var east = Math.ceil(b.getEast() / step) * step, north = Math.ceil(b.getNorth() / step) * step;
    var clamp = function (v, limit) { return Math.max(-limit, Math.min(limit, v)); };
    return [clamp(west, 180), clamp(south, 90), clamp(east, 180), clamp(north, 90)];
  }

  function contains(box, bounds) {
    return box && bounds.getWest() >= box[0] && bounds.getSouth() >= box[1] && bounds.getEast() <= box[2] && bounds.getNorth() <= box[3];
  }

  function Browser(el, map, markers, path, filters, pinned) {
    this.el = el; this.map = map; this.markers = markers; this.path = path; this.filters = filters; this.pinned = pinned;
    this.loaded = null; this.controller = null; this.timer = null; this.line = countLine(el);
  }

  Browser.prototype.url = function (box) {
    var args = new URLSearchParams(this.filters.toString());
    args.set("bbox", box.map(function (v) { return v.toFixed(4); }).join(","));
    args.set("compact", "1");
    return this.path + "?" + args.toString();
  };

  Browser.prototype.update = function () {
    /* Recount what is in view; fetch only when the view has left the box already loaded. */
    var map = this.map, self = this;
    if (map.getZoom() < BROWSE_MIN_ZOOM) {
      /* Too wide a view to load everything: keep this page's own results only, and say so. */
      this.markers.keepOnly({}, this.pinned);
      this.loaded = null;
      var mine = this.markers.countIn(map.getBounds());
      this.line.textContent = Object.keys(this.pinned).length
        ? mine + " of this page's results in view. Zoom in to see every match in this part of the map."
        : "Zoom in to see every activity in this part of the map.";
      this.done();
      return;
    }
    if (contains(this.loaded, map.getBounds())) {
      sayCount(this.line, this.markers.countIn(map.getBounds()));
      this.done();
      return;
    }
    var box = snappedBox(map);
    if (this.controller) { this.controller.abort(); }
    this.controller = window.AbortController ? new AbortController() : null;
    this.el.dataset.state = "loading";
    fetch(this.url(box), { headers: { Accept: "application/geo+json" }, signal: this.controller ? this.controller.signal : undefined })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        var entries = fromFeatures(data), ids = {};
        entries.forEach(function (entry) { ids[entry.id] = true; });
        self.markers.keepOnly(ids, self.pinned);
        self.markers.add(entries);
        self.loaded = box;
        sayCount(self.line, self.markers.countIn(map.getBounds()));
        self.done();
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        self.line.textContent = "The map could not load the activities in this area just now. The list still works.";
        self.done();
      });
  };

  Browser.prototype.done = function () {
    /* What the page shows, on the element too: tests and the benchmark wait for data-markers. */
    var b = this.map.getBounds();
    this.el.dataset.view = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",");
    this.el.dataset.inView = String(this.markers.countIn(b));
    this.el.dataset.state = "ready";
    this.el.dataset.markers = String(this.markers.total());
    if (window.performance && performance.mark) { performance.mark("assetmap-markers"); }
  };

  Browser.prototype.watch = function () {
    var self = this;
    this.map.on("moveend", function () {
      window.clearTimeout(self.timer);
      self.timer = window.setTimeout(function () { self.update(); }, MOVE_DELAY_MS);
    });
  };

  /* ---- the page's own results, linked to the list ---- */

  function listItem(id) { return document.getElementById("activity-" + id); }

  var HOVER_DELAY_MS = 150;   /* a pointer passing over the list does not set the map moving */

  function showOnMap(map, markers, marker) {
    markers.cluster.zoomToShowLayer(marker, function () {
      /* Another item may have moved the map meanwhile and clustered this marker again. */
      if (!map.hasLayer(marker)) { return; }
      try { marker.openPopup(); } catch (error) { /* the map moved on before the popup could open */ }
    });
  }

  function linkListAndMarkers(map, markers) {
    var pending = null;
    Object.keys(markers.byId).forEach(function (id) {
      var item = listItem(id), marker = markers.byId[id];
      if (!item) { return; }
      var on = function () {
        item.classList.add("highlight");
        window.clearTimeout(pending);
        pending = window.setTimeout(function () { if (markers.byId[id]) { showOnMap(map, markers, marker); } }, HOVER_DELAY_MS);
      };
      var off = function () { item.classList.remove("highlight"); window.clearTimeout(pending); };
      item.addEventListener("mouseenter", on); item.addEventListener("focusin", on);
      item.addEventListener("mouseleave", off); item.addEventListener("focusout", off);
      marker.on("click", function () { item.scrollIntoView({ behavior: "smooth", block: "center" }); item.focus({ preventScroll: true }); });
    });
  }

  function hereMarker(el, map) {
    /* "You are here": the searched postcode or place, from data-here-lat/-lon on the map element. */
    var lat = parseFloat(el.dataset.hereLat), lon = parseFloat(el.dataset.hereLon);
    if (isNaN(lat) || isNaN(lon)) { return null; }
    var where = el.dataset.hereLabel ? "You searched near " + el.dataset.hereLabel : "You searched near here";
    L.circleMarker([lat, lon], { radius: 9, color: "#0b0c0c", weight: 3, fillColor: "#ffbf47", fillOpacity: 1, className: "here-marker" })
      .bindTooltip(label(where), { permanent: false })
      .addTo(map);
    return L.latLng(lat, lon);
  }

  function pageEntries(el, path, args) {
    /* This page's results with their coordinates: the JSON twin of the same search (one page, small). */
    var api = path.replace(/\.geojson$/, "");
    return fetch(api + "?" + args.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        return (data.items || []).filter(function (item) { return item.lat !== null && item.lon !== null; })
          .map(function (item) { return { id: String(item.id), props: item, lat: item.lat, lon: item.lon }; });
      });
  }

  /* ---- a view that can be bookmarked and shared: #map=zoom/lat/lon ---- */

  function viewFromHash() {
    var found = /^#map=(\d{1,2})\/(-?\d{1,2}(?:\.\d+)?)\/(-?\d{1,3}(?:\.\d+)?)$/.exec(window.location.hash);
    return found ? { zoom: Number(found[1]), center: L.latLng(Number(found[2]), Number(found[3])) } : null;
  }

  function keepViewInAddress(map) {
    /* Only moves the person makes are written (after the first view is set), never the page's own fitting. */
    map.on("moveend", function () {
      var c = map.getCenter();
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "#map=" + map.getZoom() + "/" + c.lat.toFixed(4) + "/" + c.lng.toFixed(4));
      }
    });
  }

  function draw(el) {
    var map = makeMap(el), markers = new Markers(map), shared = viewFromHash();
    var parsed = searchArgs(el), filters = filtersOnly(parsed.args), here = hereMarker(el, map);
    addOutlineControl(map);
    el.dataset.mode = isBrowse(parsed.args) ? "browse" : "search";
    if (el.dataset.mode === "browse") {
      if (shared) { map.setView(shared.center, shared.zoom, { animate: false }); }
      else if (here) { map.setView(here, 13, { animate: false }); }
      var browser = new Browser(el, map, markers, parsed.path, filters, {});
      browser.watch();
      keepViewInAddress(map);
      browser.update();
      return;
    }
    pageEntries(el, parsed.path, parsed.args).then(function (entries) {
      var pinned = {};
      entries.forEach(function (entry) { pinned[entry.id] = true; });
      markers.add(entries);
      linkListAndMarkers(map, markers);
      var points = entries.map(function (entry) { return L.latLng(entry.lat, entry.lon); });
      if (here) { points.push(here); }
      if (shared) { map.setView(shared.center, shared.zoom, { animate: false }); }
      else if (points.length > 1) { map.fitBounds(L.latLngBounds(points), { padding: [20, 20], maxZoom: 15, animate: false }); }
      else if (points.length === 1) { map.setView(points[0], 14, { animate: false }); }
      var browser = new Browser(el, map, markers, parsed.path, filters, pinned);
      browser.watch();
      keepViewInAddress(map);
      browser.update();
    }).catch(function () {
      countLine(el).textContent = "The map could not load just now. The list still works.";
      el.dataset.markers = "0";
    });
  }

  function drawPoint(el) {
    var parts = el.dataset.point.split(",").map(Number);
    var map = makeMap(el);
    map.setView(parts, 15);
    L.marker(parts, { title: el.dataset.name, alt: el.dataset.name }).addTo(map);
  }

  var el = document.getElementById("map");
  if (el && window.L && el.dataset.geojson) { draw(el); }
  if (el && window.L && el.dataset.point) { drawPoint(el); }
}());
