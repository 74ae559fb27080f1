// Runs before textual.js's window.onload: the websocket goes back to the host and scheme this page
// came from (the token cookie is sent with it), whatever name the browser used for the server.
(function () {
  "use strict";
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var terminal = document.getElementById("terminal");
  terminal.dataset.sessionWebsocketUrl = scheme + window.location.host + "/ws";
  document.getElementById("restart").addEventListener("click", function () {
    window.location.reload();
  });
})();
