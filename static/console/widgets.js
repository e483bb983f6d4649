// The console's form widgets, set up on page load and in content htmx swaps in (the Content-Security-Policy forbids
// inline scripts, so no template sets them up itself):
// - a select of several values becomes a Tom Select box (vendor/tom-select, from npm, served by the console): the
//   chosen values as chips with a remove button, and a list with a checkbox per value and a search box;
// - a text field with a maxlength (every textarea, and a text box taking a long text) counts its characters
//   under it, as the browser counts them for maxlength;
// - a long text marked data-long-text (a decision's proposal) is collapsed after about a screen, with "Show all".
(() => {
  // A text box (not a textarea) shows a counter only when it takes a long text (a comment), not a name or a key.
  const COUNT_INPUTS_FROM = 500;
  const numbers = new Intl.NumberFormat("en");

  // The elements under root matching the selector, root itself included (htmx may swap in the element alone).
  function within(root, selector) {
    const found = [...root.querySelectorAll(selector)];
    return root instanceof Element && root.matches(selector) ? [root, ...found] : found;
  }

  function multipleSelects(root) {
    if (typeof TomSelect === "undefined") {
      return;
    }
    within(root, "select[multiple]").forEach((select) => {
      if (select.tomselect || "native" in select.dataset) {
        return;
      }
      const filter = select.form && select.form.method === "get";
      new TomSelect(select, {
        plugins: { remove_button: { title: "Remove" }, checkbox_options: { className: "form-check-input" } },
        // An empty filter means any value; an empty choice in a form means none.
        placeholder: select.dataset.placeholder || (filter ? "Any" : "None chosen"),
        hidePlaceholder: true,
        maxOptions: null,
        closeAfterSelect: false,
      });
    });
  }

  function counters(root) {
    within(root, "textarea[maxlength], input[type=text][maxlength]").forEach((field) => {
      if (field.dataset.counted || (field.tagName === "INPUT" && field.maxLength < COUNT_INPUTS_FROM)) {
        return;
      }
      field.dataset.counted = "true";
      const counter = document.createElement("div");
      counter.className = "form-text text-end mt-0 console-counter";
      counter.dataset.testid = "char-counter";
      counter.id = `${field.id || field.name}-counter`;
      field.setAttribute("aria-describedby", `${field.getAttribute("aria-describedby") || ""} ${counter.id}`.trim());
      field.insertAdjacentElement("afterend", counter);
      const update = () => {
        const used = field.value.length;
        const limit = field.maxLength;
        counter.textContent = `${numbers.format(used)} / ${numbers.format(limit)} characters`;
        counter.classList.toggle("text-warning-emphasis", used >= limit * 0.9 && used < limit);
        counter.classList.toggle("text-danger", used >= limit);
      };
      field.addEventListener("input", update);
      update();
    });
  }

  function longTexts(root) {
    within(root, "[data-long-text]").forEach((text) => {
      if (text.dataset.longTextReady) {
        return;
      }
      text.dataset.longTextReady = "true";
      text.classList.add("is-collapsed");
      if (text.scrollHeight <= text.clientHeight + 1) {
        text.classList.remove("is-collapsed"); // it fits: nothing to unfold
        return;
      }
      text.id = text.id || `long-text-${Math.random().toString(36).slice(2)}`;
      const toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "btn btn-sm btn-outline-secondary mt-2";
      toggle.dataset.testid = "long-text-toggle";
      toggle.setAttribute("aria-controls", text.id);
      toggle.setAttribute("aria-expanded", "false");
      toggle.textContent = "Show all";
      toggle.addEventListener("click", () => {
        const collapsed = text.classList.toggle("is-collapsed");
        toggle.setAttribute("aria-expanded", String(!collapsed));
        toggle.textContent = collapsed ? "Show all" : "Show less";
        if (collapsed) {
          text.scrollIntoView({ block: "nearest" });
        }
      });
      text.insertAdjacentElement("afterend", toggle);
    });
  }

  function setUp(root) {
    multipleSelects(root);
    counters(root);
    longTexts(root);
  }

  document.addEventListener("DOMContentLoaded", () => setUp(document));
  document.addEventListener("htmx:load", (event) => setUp(event.detail.elt));
})();
