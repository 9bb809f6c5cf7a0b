// geoops live map: incidents, hotspots and registry base layers, kept current from the
// Server-Sent Events stream without reloading the page.
(function () {
  "use strict";
  var PAGE = 10000; // the API's default page size for hotspots
  var COLORS = { critical: "#7b0000", high: "#d7301f", medium: "#fc8d59", low: "#fdcc8a" };

  function el(id) { return document.getElementById(id); }
  function text(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }
  function toLogin() { window.location = "/login?next=" + encodeURIComponent(window.location.pathname); }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      if (r.status === 401) { toLogin(); }
      if (!r.ok) { throw new Error(url + " answered " + r.status); }
      return r.json();
    });
  }

  function incidentPopup(p) {
    var parts = p.priority_components || {};
    var why = Object.keys(parts).filter(function (k) { return parts[k].points > 0; })
      .map(function (k) { return text(k) + " " + text(parts[k].points) + "/" + text(parts[k].max); }).join(", ");
    var near = (p.nearest_settlements || [])[0];
    return "<b>Incident " + text(p.number) + "</b><br>status: " + text(p.status) +
      (p.status_reason ? " <i>(" + text(p.status_reason) + ")</i>" : "") +
      "<br>priority: " + text(p.priority) + " · " + text(p.priority_score) + "/100" +
      (why ? "<br><small>" + why + "</small>" : "") +
      (near ? "<br>nearest settlement: " + text(near.name) + ", " + text(near.distance_km) + " km " + text(near.direction) : "") +
      "<br>sources: " + text((p.sources || []).join(", ")) + "<br>hotspots: " + text(p.hotspot_count) +
      "<br>area: " + text(p.area_ha) + " ha (+" + text(p.growth_ha) + " last pass)<br>first seen: " + text(p.first_observed_at) +
      "<br>last seen: " + text(p.last_observed_at) + "<br>registered: " + text(p.registered_at) +
      (p.registration_latency_s != null ? " (" + text(Math.round(p.registration_latency_s)) + " s after the evidence arrived)" : "");
  }

  window.geoopsLive = function (map, opts) {
    var svg = L.svg({ padding: 0.5 });
    var canvas = L.canvas({ padding: 0.5 });
    var incidentLayers = {};
    var incidentProps = {};
    var lastUpdated = null;
    var lastHotspotId = 0;
    var hotspotCount = 0;

    var incidents = L.featureGroup().addTo(map);
    var hotspots = L.featureGroup().addTo(map);
    var reports = L.featureGroup().addTo(map);
    var stations = L.featureGroup().addTo(map);
    var control = L.control.layers(null, {
      Incidents: incidents, Hotspots: hotspots, Reports: reports, "Sensor stations": stations
    }, { collapsed: true, position: "topleft" }).addTo(map);

    function styleFor(p) {
      var c = COLORS[p.priority] || COLORS.low;
      var over = p.status === "extinguished" || p.status === "dismissed";
      return { renderer: svg, color: over ? "#777" : c, weight: 2, dashArray: p.status === "suspected" || over ? "4 4" : null,
               fillColor: over ? "#999" : c, fillOpacity: over ? 0.15 : 0.45, className: "geoops-incident" };
    }

    function upsertIncident(feature) {
      var p = feature.properties, id = p.id;
      if (incidentLayers[id]) { incidents.removeLayer(incidentLayers[id]); }
      var layer = L.geoJSON(feature, {
        style: function () { return styleFor(p); },
        pointToLayer: function (f, ll) { return L.circleMarker(ll, Object.assign(styleFor(p), { radius: 7 })); }
      }).bindPopup(incidentPopup(p));
      layer.addTo(incidents);
      incidentLayers[id] = layer;
      incidentProps[id] = p;
      if (!lastUpdated || p.updated_at > lastUpdated) { lastUpdated = p.updated_at; }
    }

    function removeIncident(id) {
      if (incidentLayers[id]) { incidents.removeLayer(incidentLayers[id]); }
      delete incidentLayers[id];
      delete incidentProps[id];
    }

    function refreshPanel() {
      var ids = Object.keys(incidentProps);
      var confirmed = ids.filter(function (i) { return incidentProps[i].status === "confirmed"; }).length;
      el("geoops-incident-count").textContent = ids.length;
      el("geoops-confirmed-count").textContent = confirmed;
      el("geoops-hotspot-count").textContent = hotspotCount;
      var latest = ids.map(function (i) { return incidentProps[i]; })
        .sort(function (a, b) { return a.updated_at < b.updated_at ? 1 : -1; }).slice(0, 8);
      var list = el("geoops-latest");
      list.innerHTML = "";
      latest.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = p.number + " · " + p.status + " · " + p.priority + " · " + p.area_ha + " ha";
        li.onclick = function () {
          var layer = incidentLayers[p.id];
          if (layer) { map.fitBounds(layer.getBounds(), { maxZoom: 11 }); layer.openPopup(); }
        };
        list.appendChild(li);
      });
    }

    // One request at a time per layer; an event arriving meanwhile asks for one more,
    // so nothing committed during a request is missed.
    function serialised(load) {
      var running = false, again = false;
      function run() {
        if (running) { again = true; return; }
        running = true; again = false;
        load().catch(console.error).then(function () {
          running = false;
          if (again) { run(); }
        });
      }
      return run;
    }

    var loadIncidents = serialised(function () {
      var url = opts.incidents + (lastUpdated ? "?since=" + encodeURIComponent(lastUpdated) : "");
      return getJSON(url).then(function (fc) {
        fc.features.forEach(upsertIncident);
        refreshPanel();
      });
    });

    var loadHotspots = serialised(function () {
      return getJSON(opts.hotspots + "?after_id=" + lastHotspotId).then(function (fc) {
        fc.features.forEach(function (f) {
          var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
          L.circleMarker(ll, { renderer: canvas, radius: 2.5, stroke: false, fillColor: "#ff3b00", fillOpacity: 0.85 })
            .bindTooltip(f.properties.observed_at + " · FRP " + f.properties.frp).addTo(hotspots);
          lastHotspotId = Math.max(lastHotspotId, f.id);
        });
        hotspotCount += fc.features.length;
        refreshPanel();
        if (fc.features.length >= PAGE) { loadHotspots(); }
      });
    });

    // Citizen / crew reports and sensor stations: small layers, reloaded whole on change.
    function pointLayer(layer, url, style, popup) {
      return serialised(function () {
        return getJSON(url).then(function (fc) {
          layer.clearLayers();
          L.geoJSON(fc, {
            pointToLayer: function (f, ll) { return L.circleMarker(ll, style(f.properties)); },
            onEachFeature: function (f, l) { l.bindPopup(popup(f.properties)); }
          }).addTo(layer);
        });
      });
    }
    var loadReports = pointLayer(reports, opts.reports, function () {
      return { renderer: svg, radius: 6, color: "#1f4e99", weight: 2, fillColor: "#5b8fd6", fillOpacity: 0.9,
               className: "geoops-report" };
    }, function (p) {
      return "<b>Report " + text(p.id) + "</b> · " + text(p.category) + "<br>" + text(p.text) +
        "<br>status: " + text(p.status) + "<br>" + text(p.reported_at);
    });
    var loadStations = pointLayer(stations, opts.stations, function (p) {
      var stale = p.status === "stale";
      return { renderer: svg, radius: 4, color: stale ? "#777" : "#0b6e4f", weight: 2,
               fillColor: stale ? "#bbb" : "#2fbf71", fillOpacity: 0.9, className: "geoops-station" };
    }, function (p) {
      return "<b>Station " + text(p.id) + "</b> " + text(p.name) + "<br>" + text(p.kind) +
        "<br>status: " + text(p.status) + "<br>last seen: " + text(p.last_seen_at);
    });

    function loadBaseLayers() {
      getJSON(opts.layers).then(function (list) {
        list.filter(function (l) { return opts.baseLayers.indexOf(l.name) >= 0; }).forEach(function (l) {
          getJSON(opts.layers + "/" + l.name).then(function (fc) {
            var water = l.name === "lakes";
            var layer = L.geoJSON(fc, {
              renderer: canvas, interactive: false,
              style: { color: water ? "#4a90c2" : "#7a7a7a", weight: water ? 0.5 : 0.8,
                       fillColor: water ? "#a8cbe6" : "#f4f1ea", fillOpacity: water ? 0.9 : 0.7 }
            });
            layer.addTo(map);
            layer.bringToBack();
            control.addOverlay(layer, l.title);
          }).catch(console.error);
        });
      }).catch(console.error);
    }

    function connect() {
      var badge = el("geoops-live");
      var source = new EventSource(opts.events);
      source.onopen = function () { badge.textContent = "live"; badge.className = "geoops-badge live"; };
      source.onerror = function () {
        badge.textContent = "reconnecting…"; badge.className = "geoops-badge down";
        getJSON("/api/v1/me").catch(function () {});  // an expired login goes back to the form
      };
      function seen(e) { el("geoops-last-event").textContent = e.type + " #" + e.lastEventId; }
      ["incident.created", "incident.updated"].forEach(function (kind) {
        source.addEventListener(kind, function (e) { seen(e); loadIncidents(); });
      });
      source.addEventListener("incident.merged", function (e) {
        seen(e);
        var d = JSON.parse(e.data);
        if (d.merged_into) { removeIncident(d.incident_id); refreshPanel(); }
        loadIncidents();
      });
      source.addEventListener("hotspots.ingested", function (e) { seen(e); loadHotspots(); });
      ["report.received", "report.updated"].forEach(function (kind) {
        source.addEventListener(kind, function (e) { seen(e); loadReports(); });
      });
      ["sensor.alarm", "station.stale", "station.active"].forEach(function (kind) {
        source.addEventListener(kind, function (e) { seen(e); loadStations(); });
      });
      window.geoopsEvents = source;
    }

    var logout = el("geoops-logout");
    if (logout) {
      logout.onclick = function (e) {
        e.preventDefault();
        fetch("/api/v1/auth/logout", { method: "POST" }).then(toLogin, toLogin);
      };
    }

    // Listen first, then load: whatever changes during the first load arrives as an event.
    loadBaseLayers();
    connect();
    loadIncidents();
    loadHotspots();
    loadReports();
    loadStations();
    window.geoopsMap = { map: map, incidents: incidentProps };
  };
})();
