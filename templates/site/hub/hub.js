// The hub board's source filter: shows the rows of one source (or all). No record text is read here.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("lb-hub-source");
  if (!select) return;
  select.addEventListener("change", () => {
    for (const row of document.querySelectorAll("tr[data-source]")) {
      row.hidden = select.value !== "" && row.dataset.source !== select.value;
    }
  });
});
