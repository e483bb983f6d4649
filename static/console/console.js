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
