// The API docs page: Swagger UI, served from the package (fastapi-offline's bundle), reading
// this server's own schema. No inline script, so the page's Content-Security-Policy holds.
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // the client header every write needs (service/api/guards.py): "Try it out" works
    requestInterceptor: (request) => {
      request.headers["X-Newsearch-Client"] = "docs";
      return request;
    },
  });
});
