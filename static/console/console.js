// The console's own script. No inline scripts anywhere: the Content-Security-Policy forbids them.
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  const target = event.detail.target;
  if (target) {
    target.textContent = `Could not load (${status}). Reload the page to try again.`;
  }
});

// Draw every chart whose figure the server put in a <script type="application/json"> beside it
// (templates/console/_chart.html), on page load and after htmx swaps content in.
function drawCharts(root) {
  if (typeof Plotly === "undefined") {
    return;
  }
  root.querySelectorAll(".console-chart[data-chart]").forEach((element) => {
    if (element.dataset.drawn === "true") {
      return;
    }
    const source = document.getElementById(element.dataset.chart);
    if (!source) {
      return;
    }
    const figure = JSON.parse(JSON.parse(source.textContent));
    Plotly.newPlot(element, figure.data, figure.layout, { responsive: true, displaylogo: false });
    element.dataset.drawn = "true";
  });
}

document.addEventListener("DOMContentLoaded", () => drawCharts(document));
document.addEventListener("htmx:afterSettle", (event) => drawCharts(event.detail.elt));

// "Back to the previous page" on the error pages (data-history-back): the browser's own Back, which keeps what
// was typed in a form; the link's address (the Referer) when there is no history, as in a new tab.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-history-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
