// Starts GraphiQL with the settings the server wrote into the page as JSON. This file is
// served by the API itself: the page's Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  // Subscriptions go over WebSocket to the same path (graphql-transport-ws); GraphiQL
  // sends the headers editor's entries (the Authorization header) in connection_init.
  var socketScheme = location.protocol === "https:" ? "wss:" : "ws:";
  var fetcher = GraphiQL.createFetcher({
    url: config.url,
    subscriptionUrl: socketScheme + "//" + location.host + config.url,
  });
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.query,
      defaultHeaders: JSON.stringify(config.headers, null, 2),
      // A dev token is minted per page load; storing it would outlive it.
      shouldPersistHeaders: false,
    })
  );
})();
