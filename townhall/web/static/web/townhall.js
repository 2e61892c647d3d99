// A little help on top of pages that work without it.
"use strict";

// Ask before destructive actions (revoking a token, removing a member, blocking, deleting a
// comment). One listener on the document, in the capture phase: it sees forms htmx swapped in
// after the page loaded, and a "Cancel" stops the event before htmx's own listener on an
// hx-post form sends the request anyway.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm !== undefined) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopPropagation();
      }
    }
  },
  true,
);

document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary, so screen readers and keyboards start there.
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  }

  // Characters left in a limited text area (the limit itself is the maxlength attribute).
  for (const area of document.querySelectorAll("textarea[data-counter]")) {
    const limit = Number(area.dataset.counter);
    const counter = document.createElement("p");
    counter.className = "counter";
    counter.id = `${area.id}_counter`;
    area.insertAdjacentElement("afterend", counter);
    const update = () => {
      const left = limit - area.value.length;
      counter.textContent = `${left} of ${limit} characters left`;
    };
    area.addEventListener("input", update);
    update();
  }

  // Copy a secret shown once (the new API token) to the clipboard.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.querySelector("[data-copy-status]");
    if (!source || !navigator.clipboard) {
      continue;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.value);
        if (status) status.textContent = "Copied.";
      } catch {
        source.select();
        if (status) status.textContent = "Could not copy; the token is selected, copy it by hand.";
      }
    });
  }
});
