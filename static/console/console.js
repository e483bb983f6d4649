// The console's own script. No inline scripts anywhere: the Content-Security-Policy forbids them.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const target = event.detail.target;
  if (target) {
    target.textContent = `Could not load (${status}). Reload the page to try again.`;
  }
});
