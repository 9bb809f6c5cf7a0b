"""The login form (plain HTML: it must work before any script or map asset loads)."""

from __future__ import annotations

import html

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>geoops — log in</title>
<link rel="icon" href="/static/geoops/favicon.svg">
<style>
body {{ font-family: system-ui, sans-serif; background: #dfe9f2; display: flex;
       min-height: 100vh; margin: 0; align-items: center; justify-content: center; }}
form {{ background: #fff; padding: 24px 28px; border-radius: 8px; width: 300px;
        box-shadow: 0 1px 8px rgba(0,0,0,.25); }}
h1 {{ font-size: 20px; margin: 0 0 16px; }}
label {{ display: block; font-size: 13px; margin: 10px 0 4px; }}
input {{ width: 100%; box-sizing: border-box; padding: 8px; font-size: 15px; }}
button {{ margin-top: 16px; width: 100%; padding: 9px; font-size: 15px; background: #2e6da4;
          color: #fff; border: 0; border-radius: 4px; cursor: pointer; }}
#error {{ color: #c0392b; font-size: 13px; min-height: 1em; margin-top: 10px; }}
</style></head>
<body>
<form id="login" method="post" action="/api/v1/auth/login">
  <h1>geoops</h1>
  <label for="name">Name</label><input id="name" name="name" autocomplete="username" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <input type="hidden" name="next" value="{next}">
  <button type="submit">Log in</button>
  <div id="error" role="alert"></div>
</form>
<script>
document.getElementById("login").addEventListener("submit", function (e) {{
  e.preventDefault();
  var form = e.target, error = document.getElementById("error");
  fetch(form.action, {{ method: "POST", body: new URLSearchParams(new FormData(form)), redirect: "follow" }})
    .then(function (r) {{
      if (r.ok || r.redirected) {{ window.location = form.next.value || "/map"; return; }}
      return r.json().then(function (p) {{ error.textContent = p.detail || p.title; }});
    }}).catch(function () {{ error.textContent = "The server did not answer."; }});
}});
</script>
</body></html>
"""


def render_login(next_page: str) -> str:
    target = next_page if next_page.startswith("/") and not next_page.startswith("//") else "/map"
    return _PAGE.format(next=html.escape(target, quote=True))
