// Stops a form from sending more than the console takes (its data-max-bytes: {% max_body_bytes %}, the
// UPLOAD_MAX_BYTES setting) before it is sent, with a message next to the field that makes it too large, so
// that nothing typed is lost to the 413 page. The server refuses such a body anyway (RequestBodyLimitMiddleware).
(() => {
  const encoder = new TextEncoder();
  const FEEDBACK = "body-limit-feedback";

  function inUnits(size) {
    for (const [unit, scale] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]]) {
      if (size >= scale) {
        return `${Math.round((size / scale) * 10) / 10} ${unit}`;
      }
    }
    return `${size} bytes`;
  }

  // The size each field adds to the body the browser will send (close enough: a few bytes per field aside).
  function fieldSizes(form, submitter) {
    let data;
    try {
      data = new FormData(form, submitter || undefined);
    } catch {
      data = new FormData(form);
    }
    const multipart = (form.getAttribute("enctype") || "").toLowerCase() === "multipart/form-data";
    const sizes = [];
    for (const [name, value] of data.entries()) {
      let size;
      if (value instanceof File) {
        size = value.size + encoder.encode(name + value.name).length + 150;
      } else {
        const text = value.replace(/\r?\n/g, "\r\n"); // browsers send line breaks as CRLF
        size = multipart
          ? encoder.encode(name + text).length + 100
          : new URLSearchParams([[name, text]]).toString().length + 1;
      }
      sizes.push({ name, size, file: value instanceof File });
    }
    return sizes;
  }

  function fieldNamed(form, name) {
    const field = form.elements.namedItem(name);
    return field instanceof RadioNodeList ? field[0] : field;
  }

  function clearFeedback(form) {
    form.querySelectorAll(`.${FEEDBACK}`).forEach((element) => element.remove());
    form.querySelectorAll("[data-body-limit-invalid]").forEach((field) => {
      field.classList.remove("is-invalid");
      field.removeAttribute("data-body-limit-invalid");
    });
  }

  // Checks the form; when it is too large, says so next to its largest field and returns false.
  function check(form, { submitter, focus } = {}) {
    const limit = Number(form.dataset.maxBytes);
    clearFeedback(form);
    if (!limit) {
      return true;
    }
    const sizes = fieldSizes(form, submitter);
    const total = sizes.reduce((sum, part) => sum + part.size, 0);
    if (total <= limit) {
      return true;
    }
    const largest = sizes.reduce((a, b) => (b.size > a.size ? b : a));
    const field = fieldNamed(form, largest.name);
    const feedback = document.createElement("div");
    feedback.className = `invalid-feedback d-block ${FEEDBACK}`;
    feedback.setAttribute("role", "alert");
    feedback.dataset.testid = "body-limit-feedback";
    const fix = largest.file ? "Choose a smaller file" : "Shorten the text";
    feedback.textContent =
      `Too large to send: this form comes to ${inUnits(total)} (this field ${inUnits(largest.size)}), ` +
      `and the console takes at most ${inUnits(limit)}. ${fix}; nothing has been sent.`;
    if (field) {
      field.classList.add("is-invalid");
      field.setAttribute("data-body-limit-invalid", "");
      field.insertAdjacentElement("afterend", feedback);
      if (focus) {
        field.focus();
      }
    } else {
      form.prepend(feedback);
    }
    return false;
  }

  // In the capture phase, before htmx or any other listener on the form sees the submit.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.maxBytes && !check(form, { submitter: event.submitter, focus: true })) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  // A file is checked as soon as it is chosen; a message goes away once the form fits again.
  document.addEventListener("change", (event) => {
    const form = event.target.form;
    if (form && form.dataset.maxBytes && (event.target.type === "file" || form.querySelector(`.${FEEDBACK}`))) {
      check(form);
    }
  });
  document.addEventListener("input", (event) => {
    const form = event.target.form;
    if (form && form.dataset.maxBytes && form.querySelector(`.${FEEDBACK}`)) {
      check(form);
    }
  });
})();
