// Renders the hub's OpenAPI document with Swagger UI (served from the hub itself,
// no CDN). A separate file, because the CSP allows no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#api-docs",
    deepLinking: true,
    // Tags start closed: with every operation drawn at once (150 and more),
    // Swagger UI 5.36 stopped after the eighth. A tag opens with a click.
    docExpansion: "none",
    tryItOutEnabled: false,
    supportedSubmitMethods: [],
    validatorUrl: null
  });
});
