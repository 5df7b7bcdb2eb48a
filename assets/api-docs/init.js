// Starts Swagger UI on the engine's own OpenAPI document. A file of ours rather than an inline
// script, so the page's Content-Security-Policy can allow scripts from this origin only.
/* global SwaggerUIBundle */
(function start() {
  // Relative to this script (…/docs/init.js → …/openapi.json), so a path prefix in front still works.
  const url = new URL('../openapi.json', document.currentScript.src).href;
  window.ui = SwaggerUIBundle({
    url,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    // No request to validator.swagger.io: the page talks to this origin only.
    validatorUrl: null,
    // A token typed in "Authorize" stays in this tab's memory, never in localStorage.
    persistAuthorization: false,
  });
})();
