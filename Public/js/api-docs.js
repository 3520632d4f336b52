// The /api page: Swagger UI (vendored under /static/vendor/swagger-ui, Apache-2.0) over /api/openapi.json.
// "Authorize" takes an API token (mem_…); requests tried from here then carry it and need no CSRF token.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-url"),
    domNode: root,
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
})();
