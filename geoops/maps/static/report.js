// geoops report form: a pin on a small map (tap, drag, or "use my location"), then the
// form goes to POST /api/v1/reports as multipart; the answer shows the tracking link.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var lat = form.elements.latitude, lon = form.elements.longitude, accuracy = form.elements.accuracy_m;
  var locateStatus = document.getElementById("locate-status");
  var result = document.getElementById("result");
  var submit = document.getElementById("submit");
  var map = null, pin = null;

  function showPin(la, lo, zoom) {
    if (!map) { return; }
    var at = L.latLng(la, lo);
    if (!pin) {
      pin = L.marker(at, { draggable: true, title: "Report location", keyboard: true }).addTo(map);
      pin.on("dragend", function () {
        var p = pin.getLatLng();
        setPoint(p.lat, p.lng, null, false);
        accuracy.value = ""; // placed by hand: the GPS accuracy no longer applies
      });
    } else {
      pin.setLatLng(at);
    }
    map.setView(at, zoom || Math.max(map.getZoom(), 12));
  }

  function setPoint(la, lo, zoom, movePin) {
    lat.value = la.toFixed(6);
    lon.value = lo.toFixed(6);
    if (movePin !== false) { showPin(la, lo, zoom); }
  }

  function typedPoint() {
    var la = parseFloat(lat.value), lo = parseFloat(lon.value);
    if (isFinite(la) && isFinite(lo) && Math.abs(la) <= 90 && Math.abs(lo) <= 180) {
      accuracy.value = "";
      showPin(la, lo);
    }
  }

  function startMap() {
    if (!window.L || !document.getElementById("report-map")) { return; }
    map = L.map("report-map", { zoomControl: true, attributionControl: true }).setView([62, 100], 3);
    var basemap = form.getAttribute("data-basemap");
    if (basemap) { L.tileLayer(basemap, { maxZoom: 19 }).addTo(map); }
    // Public registry layers (regions, lakes) give an offline map something to show.
    fetch("/api/v1/layers").then(function (r) { return r.ok ? r.json() : []; }).then(function (layers) {
      layers.forEach(function (layer) {
        if (["regions", "lakes"].indexOf(layer.name) < 0) { return; }
        fetch("/api/v1/layers/" + layer.name).then(function (r) { return r.json(); }).then(function (data) {
          var water = layer.name === "lakes";
          L.geoJSON(data, { interactive: false, style: { weight: 1, color: water ? "#5b8fc7" : "#888",
            fillColor: water ? "#a9cbe8" : "#f4f1e8", fillOpacity: 0.6 } }).addTo(map).bringToBack();
        });
      });
    }).catch(function () { /* the map stays plain; the form still works */ });
    map.on("click", function (e) { accuracy.value = ""; setPoint(e.latlng.lat, e.latlng.lng, null); });
    lat.addEventListener("change", typedPoint);
    lon.addEventListener("change", typedPoint);
  }

  document.getElementById("locate").addEventListener("click", function () {
    if (!navigator.geolocation) {
      locateStatus.textContent = "This browser cannot tell its location: tap the map or type the coordinates.";
      return;
    }
    locateStatus.textContent = "Finding your location…";
    navigator.geolocation.getCurrentPosition(function (position) {
      var c = position.coords;
      setPoint(c.latitude, c.longitude, 15);
      accuracy.value = c.accuracy ? String(Math.round(c.accuracy)) : "";
      locateStatus.textContent = "Located" + (c.accuracy ? " within " + Math.round(c.accuracy) + " m" : "") +
        ". Drag the pin if the place is elsewhere.";
    }, function (error) {
      locateStatus.textContent = "No location (" + error.message + "): tap the map or type the coordinates.";
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  });

  function line(parent, text, tag) {
    var node = document.createElement(tag || "div");
    node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  function showSuccess(body) {
    result.className = "ok";
    result.textContent = "";
    line(result, "Thank you: report " + body.id + " was received.", "strong");
    line(result, "Keep this tracking code to follow it:");
    line(result, body.tracking_token, "code").id = "tracking-token";
    var link = line(result, "Follow your report", "a");
    link.id = "tracking-link";
    link.href = body.tracking_url;
    if (body.duplicate_of) { line(result, "Someone reported this nearby already; your report was linked to it."); }
  }

  function showProblem(problem) {
    result.className = "error";
    result.textContent = "";
    line(result, problem.detail || problem.title || "The report was not accepted.", "strong");
    (problem.errors || []).forEach(function (e) { line(result, (e.field || (e.loc || []).join(".")) + ": " + (e.reason || e.msg)); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    ["latitude", "longitude", "accuracy_m", "contact"].forEach(function (name) {
      if (!String(data.get(name) || "").trim()) { data.delete(name); }
    });
    if (!form.elements.photo.files.length) { data.delete("photo"); }
    data.set("utc_offset_minutes", String(-new Date().getTimezoneOffset()));
    submit.disabled = true;
    result.className = "";
    result.textContent = "Sending…";
    fetch("/api/v1/reports", { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return { title: "HTTP " + response.status }; })
          .then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (answer.ok) {
          var place = [lat.value, lon.value, accuracy.value];
          form.reset(); // the place stays: a second report is often filed from the same spot
          lat.value = place[0]; lon.value = place[1]; accuracy.value = place[2];
          showSuccess(answer.body);
        } else {
          showProblem(answer.body);
        }
        if (result.scrollIntoView) { result.scrollIntoView({ block: "nearest" }); }
      })
      .catch(function () { showProblem({ detail: "The server did not answer: check the connection and send again." }); })
      .then(function () { submit.disabled = false; });
  });

  startMap();
})();
