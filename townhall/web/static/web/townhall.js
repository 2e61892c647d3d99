// A little help on top of pages that work without it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the error summary, so screen readers and keyboards start there.
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  }

  // Ask before destructive actions (revoking a token, removing a member, leaving a team).
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
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
