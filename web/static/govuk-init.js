/* Starts GOV.UK Frontend's components (error summary focus, character count, service navigation
 * menu, notification banner, radios, checkboxes, skip link). A module script, so browsers too old
 * for GOV.UK Frontend's JavaScript skip it and keep the plain HTML behaviour. The page's CSP allows
 * no inline script, so the classes GOV.UK Frontend's template sets inline are set here. */
import { initAll } from "./govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// A turn the chat script swaps in after streaming brings its own components: start them too.
document.addEventListener("rla:content-added", (event) => {
  initAll({ scope: event.target });
});
