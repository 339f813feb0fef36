// Live totals for the pitch panel chair: refetch the totals table every few seconds.
// No inline script (CSP); without JavaScript the "Refresh the totals" link does the same.
const region = document.getElementById("pitch-totals");
const toggle = document.getElementById("pitch-live-toggle");
if (region && toggle) {
  const every = Number(region.dataset.refreshSeconds || "10") * 1000;
  let live = true;
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    live = !live;
    toggle.textContent = live ? "Pause live totals" : "Resume live totals";
  });
  setInterval(async () => {
    if (!live) return;
    const url = new URL(window.location.href);
    url.searchParams.set("fragment", "totals");
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.ok) region.innerHTML = await response.text();
  }, every);
}
