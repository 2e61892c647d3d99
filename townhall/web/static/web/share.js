// The share panel's "Copy link": copy the link to the clipboard, then let the form go on (a
// plain POST, or HTMX's) so that the share is counted. Without this script the button posts
// and the page shows the link to copy by hand. Delegated, so a panel HTMX swapped in works too.
"use strict";

document.addEventListener("click", async (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-share-copy]") : null;
  if (!button || !navigator.clipboard) {
    return;
  }
  const source = document.getElementById(button.dataset.shareCopy);
  if (!source) {
    return;
  }
  try {
    await navigator.clipboard.writeText(source.value);
    const status = button.form && button.form.querySelector("[data-share-status]");
    if (status) status.textContent = "Link copied.";
  } catch {
    source.select();
  }
});
