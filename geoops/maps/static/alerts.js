// geoops alerts panel, shared by the dispatcher map (/map) and the crew page (/crew): the
// caller's alerts newest first, loaded once and then kept current from the alert stream;
// Acknowledge, the CAP XML, and on the map crew suggestions and assignment for the
// incident of the selected alert. It starts on the element #geoops-alerts, whose data-role
// is the caller's role and data-crews="true" turns the crew actions on.
(function () {
  "use strict";
  var LIMIT = 50; // loaded from the list; the stream adds the rest
  var KEEP = 100; // items kept on the page, newest first
  var PRIORITIES = ["critical", "high", "medium", "low"];
  var CAN_ACK = ["admin", "dispatcher", "crew"];
  var CAN_ASSIGN = ["admin", "dispatcher"];

  function el(id) { return document.getElementById(id); }
  function make(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text != null) { node.textContent = String(text); }
    return node;
  }
  function button(cls, text, onclick) {
    var b = make("button", cls, text);
    b.type = "button";
    b.onclick = onclick;
    return b;
  }
  function when(iso) {
    return iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "";
  }
  function toLogin() { window.location = "/login?next=" + encodeURIComponent(window.location.pathname); }

  // JSON from the API with the login cookie; a problem+json answer becomes the error's message.
  function api(url, init) {
    var options = Object.assign({ credentials: "same-origin", headers: { Accept: "application/json" } }, init || {});
    return fetch(url, options).then(function (r) {
      if (r.status === 401) { toLogin(); }
      if (r.ok) { return r.json(); }
      return r.json().catch(function () { return {}; }).then(function (p) {
        throw new Error(p.detail || p.title || url + " answered " + r.status);
      });
    });
  }
  function post(url, body) {
    return api(url, { method: "POST", body: JSON.stringify(body || {}),
                      headers: { Accept: "application/json", "Content-Type": "application/json" } });
  }

  function start(root) {
    var role = root.dataset.role || "";
    var withCrews = root.dataset.crews === "true";
    var list = el("alerts-list"), empty = el("alerts-empty"), count = el("alerts-unacked"), live = el("alerts-live");
    var alerts = {}, nodes = {}, selected = null;
    var crewBox = withCrews ? crewActions(role) : null;

    function ids() { return Object.keys(alerts).map(Number).sort(function (a, b) { return b - a; }); }

    function refreshCount() {
      var open = ids().filter(function (id) { return !alerts[id].acked_at; }).length;
      count.textContent = open;
      count.parentNode.classList.toggle("none", open === 0);
      empty.hidden = list.children.length > 0;
    }

    function ackLine(a) {
      var line = make("span", "alert-acked", "acknowledged by " + (a.acked_by || "someone") + " at " + when(a.acked_at));
      line.setAttribute("role", "status");
      line.tabIndex = -1;
      return line;
    }

    function acknowledge(a, b) {
      b.disabled = true;
      b.textContent = "Acknowledging…";
      post("/api/v1/alerts/" + a.id + "/ack").then(function (r) {
        merge({ id: a.id, acked_at: r.acked_at, acked_by: r.acked_by });
        var line = nodes[a.id] && nodes[a.id].querySelector(".alert-acked");
        if (line) { line.focus(); }
      }).catch(function (e) {
        var error = b.parentNode.querySelector(".alert-error") || b.parentNode.appendChild(make("span", "alert-error"));
        error.setAttribute("role", "alert");
        error.textContent = e.message;
        b.disabled = false;
        b.textContent = "Acknowledge";
      });
    }

    function select(a) {
      var previous = selected && nodes[selected];
      if (previous) { previous.classList.remove("selected"); previous.querySelector(".alert-title").setAttribute("aria-expanded", "false"); }
      selected = a.id;
      var li = nodes[a.id];
      li.classList.add("selected");
      li.querySelector(".alert-title").setAttribute("aria-expanded", "true");
      crewBox.show(a.incident);
      li.appendChild(crewBox.node);
      var geo = window.geoopsMap, inc = a.incident;
      if (geo && geo.map && inc.latitude != null && inc.longitude != null) {
        geo.map.setView([inc.latitude, inc.longitude], Math.max(geo.map.getZoom(), 10));
      }
    }

    function render(a) {
      var li = nodes[a.id] || make("li");
      var priority = PRIORITIES.indexOf(a.priority) >= 0 ? a.priority : "low";
      li.className = "alert alert-" + priority + (a.acked_at ? " acked" : "") + (selected === a.id ? " selected" : "");
      li.id = "alert-" + a.id;
      li.textContent = "";
      var head = make("div", "alert-head");
      head.appendChild(make("span", "alert-priority", priority));
      var time = make("time", "alert-time", when(a.created_at));
      time.dateTime = a.created_at;
      head.appendChild(time);
      li.appendChild(head);
      var selectable = withCrews && a.incident;
      var title = selectable ? button("alert-title", a.title, function () { select(alerts[a.id]); })
                             : make("p", "alert-title", a.title);
      if (selectable) { title.setAttribute("aria-expanded", String(selected === a.id)); }
      li.appendChild(title);
      if (a.text) { li.appendChild(make("p", "alert-text", a.text)); }
      var actions = make("div", "alert-actions");
      if (a.acked_at) {
        actions.appendChild(ackLine(a));
      } else if (CAN_ACK.indexOf(role) >= 0) {
        actions.appendChild(button("alert-ack", "Acknowledge", function (e) { acknowledge(alerts[a.id], e.currentTarget); }));
      }
      var cap = make("a", "alert-link", "CAP");
      cap.href = "/api/v1/alerts/" + a.id + ".cap";
      cap.setAttribute("aria-label", "CAP XML of alert " + a.id);
      actions.appendChild(cap);
      if (a.incident) {
        var inc = make("a", "alert-link", "incident " + (a.incident.number || a.incident.id));
        inc.href = "/api/v1/incidents/" + a.incident.id;
        actions.appendChild(inc);
      }
      li.appendChild(actions);
      if (selected === a.id && crewBox) { li.appendChild(crewBox.node); }
      return li;
    }

    // Newest first: insert before the first item with a smaller id; keep the newest KEEP.
    function place(id, li) {
      var after = ids().filter(function (other) { return other < id && nodes[other]; })[0];
      list.insertBefore(li, after ? nodes[after] : null);
      nodes[id] = li;
      ids().slice(KEEP).forEach(function (old) {
        if (nodes[old]) { list.removeChild(nodes[old]); }
        delete nodes[old];
        delete alerts[old];
      });
    }

    // An alert from the list, the stream or an acknowledgement; a later copy never un-acknowledges.
    function merge(fresh) {
      var old = alerts[fresh.id];
      var a = Object.assign({}, old || {}, fresh);
      if (old && old.acked_at && !fresh.acked_at) { a.acked_at = old.acked_at; a.acked_by = old.acked_by; }
      if (!a.title) { return; }
      alerts[a.id] = a;
      var li = render(a);
      if (!old) { place(a.id, li); }
      refreshCount();
    }

    function load() {
      list.setAttribute("aria-busy", "true");
      return api("/api/v1/alerts?limit=" + LIMIT).then(function (body) {
        body.alerts.forEach(merge);
      }).catch(console.error).then(function () { list.removeAttribute("aria-busy"); refreshCount(); });
    }

    // Every (re)connection reloads the list: nothing sent while the stream was down is missed,
    // and the stream is subscribed before the list is read, so nothing falls in between.
    function connect() {
      var source = new EventSource("/api/v1/alerts/stream");
      source.onopen = function () { live.textContent = "live"; live.className = "alerts-live live"; load(); };
      source.onerror = function () {
        live.textContent = "reconnecting…";
        live.className = "alerts-live down";
        api("/api/v1/me").catch(function () {});  // an expired login goes back to the form
      };
      source.addEventListener("alert", function (e) { merge(JSON.parse(e.data)); });
      window.geoopsAlertStream = source;
    }

    var logout = el("alerts-logout");
    if (logout) {
      logout.onclick = function () { fetch("/api/v1/auth/logout", { method: "POST" }).then(toLogin, toLogin); };
    }
    refreshCount();
    connect();
  }

  // The incident of the selected alert: "Suggest crews", each suggestion with "Assign".
  function crewActions(role) {
    var node = make("div", "alert-crews"), incident = null;
    var suggest = button("alert-suggest", "Suggest crews", show);
    var found = make("ul", "alert-suggestions");
    var result = make("p", "alert-result");
    result.setAttribute("role", "status");
    found.setAttribute("aria-label", "Suggested crews");
    node.appendChild(suggest);
    node.appendChild(found);
    node.appendChild(result);

    function assign(crew, b) {
      b.disabled = true;
      post("/api/v1/incidents/" + incident.id + "/crews", { crew_id: crew.id }).then(function (r) {
        b.textContent = "Assigned";
        result.className = "alert-result ok";
        result.textContent = crew.name + " assigned to incident " + (incident.number || incident.id) +
          "; the crew was alerted (alert " + r.alert_id + ").";
      }).catch(function (e) {
        b.disabled = false;
        result.className = "alert-result error";
        result.textContent = e.message;
      });
    }

    function show() {
      suggest.disabled = true;
      found.textContent = "";
      result.textContent = "Looking for crews…";
      result.className = "alert-result";
      api("/api/v1/incidents/" + incident.id + "/crews").then(function (body) {
        result.textContent = body.suggestions.length ? "" : "No available crew.";
        body.suggestions.forEach(function (crew) {
          var li = make("li", "alert-suggestion");
          li.appendChild(make("span", "crew-name", crew.name));
          li.appendChild(make("span", "crew-facts", crew.distance_km + " km · workload " + crew.workload));
          if (CAN_ASSIGN.indexOf(role) >= 0) {
            var b = button("crew-assign", "Assign", function () { assign(crew, b); });
            b.setAttribute("aria-label", "Assign " + crew.name);
            li.appendChild(b);
          }
          found.appendChild(li);
        });
      }).catch(function (e) {
        result.className = "alert-result error";
        result.textContent = e.message;
      }).then(function () { suggest.disabled = false; });
    }

    return {
      node: node,
      show: function (inc) {
        if (incident && incident.id === inc.id) { return; }
        incident = inc;
        found.textContent = "";
        result.textContent = "";
        suggest.setAttribute("aria-label", "Suggest crews for incident " + (inc.number || inc.id));
      }
    };
  }

  function init() { var root = el("geoops-alerts"); if (root) { start(root); } }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
