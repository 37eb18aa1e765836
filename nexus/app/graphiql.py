"""The GraphiQL page; in local development it opens with a working Authorization header."""

from __future__ import annotations

import json

from nexus.auth.local_keys import LocalSigningKey

__all__ = ["graphiql_page"]

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Nexus API · GraphiQL</title>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css">
  <style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
  <script src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
  <script src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
  <script>
    const headers = {headers};
    const fetcher = GraphiQL.createFetcher({{ url: window.location.pathname }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{
        fetcher,
        defaultHeaders: JSON.stringify(headers, null, 2),
        defaultQuery: "{{ viewer {{ user {{ id uuid }} }} }}\\n",
        shouldPersistHeaders: false,
      }})
    );
  </script>
</body>
</html>
"""


def graphiql_page(local_key: LocalSigningKey | None) -> str:
    """GraphiQL, with a fresh dev token in its headers when a local key exists."""
    headers = {"Authorization": f"Bearer {local_key.mint()}"} if local_key else {}
    # '</' inside a <script> would end it early.
    return _PAGE.format(headers=json.dumps(headers).replace("</", "<\\/"))
