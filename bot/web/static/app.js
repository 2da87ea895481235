// The web console's enhancements. Every page works without this file: it adds GOV.UK Frontend's
// behaviour, draws each chart from the table beside it, previews a response as it is typed and counts an
// audience as it is built.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

const COLOURS = {
  "in date": "#00703c", "running out": "#f47738", "expired": "#d4351c", "never evidenced": "#505a5f",
  "overdue": "#d4351c", "due soon": "#f47738", "answered": "#00703c", "unanswered": "#d4351c",
  "none recorded": "#505a5f",
};
const FALLBACK = ["#1d70b8", "#4c2c92", "#28a197", "#f499be", "#b58840", "#85994b"];

function drawChart(figure) {
  const table = figure.querySelector("table");
  if (!table || !window.Chart) return;
  const heads = [...table.querySelectorAll("thead th")].slice(1).map((th) => th.textContent.trim());
  const rows = [...table.querySelectorAll("tbody tr")];
  if (!rows.length) return;
  const labels = rows.map((tr) => tr.querySelector("th, td").textContent.trim());
  const datasets = heads.map((head, i) => ({
    label: head,
    data: rows.map((tr) => Number(tr.querySelectorAll("td")[i]?.dataset.value ?? 0)),
    backgroundColor: COLOURS[head.toLowerCase()] || FALLBACK[i % FALLBACK.length],
  }));
  const holder = document.createElement("div");
  holder.className = "ld-chart";
  const canvas = document.createElement("canvas");
  canvas.setAttribute("role", "img");
  const caption = table.querySelector("caption");
  canvas.setAttribute("aria-label", `Chart of ${caption ? caption.textContent.trim() : "the table below"}; the same figures are in the table.`);
  holder.appendChild(canvas);
  figure.insertBefore(holder, figure.firstChild);
  const stacked = figure.dataset.stacked === "true";
  new window.Chart(canvas, {
    type: figure.dataset.chart || "bar",
    data: { labels, datasets },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      indexAxis: figure.dataset.horizontal === "true" ? "y" : "x",
      scales: { x: { stacked }, y: { stacked, beginAtZero: true } },
    },
  });
}
document.querySelectorAll("[data-chart]").forEach(drawChart);

// Live preview on a response's edit page: the server renders the text with the declared examples.
const editor = document.querySelector("[data-live-preview]");
if (editor) {
  const source = editor.querySelector("textarea");
  const problem = document.getElementById("live-problem");
  let timer = null;
  const refresh = async () => {
    const body = new URLSearchParams({ source: source.value, csrf_token: editor.dataset.csrf });
    const response = await fetch(editor.dataset.livePreview, {
      method: "POST", body, headers: { "X-CSRF-Token": editor.dataset.csrf }, credentials: "same-origin",
    });
    if (!response.ok) return;
    const found = await response.json();
    problem.textContent = found.problem ? `This wording cannot be saved: ${found.problem}` : "";
    if (!found.problem) {
      for (const [platform, html] of Object.entries(found.shown)) {
        const panel = document.querySelector(`[data-preview="${platform}"]`);
        if (panel) panel.innerHTML = html;
      }
    }
  };
  source.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
}

// The audience builder's live count: the server counts with the learning unit's rules as the form is
// filled in ("Show who this reaches" does the same without this script, and lists the people).
const audience = document.querySelector("[data-live-count]");
if (audience) {
  const shown = document.getElementById("live-count");
  let waiting = null;
  const count = async () => {
    const body = new URLSearchParams(new FormData(audience));
    const response = await fetch(audience.dataset.liveCount, {
      method: "POST", body, headers: { "X-CSRF-Token": audience.dataset.csrf }, credentials: "same-origin",
    });
    if (!response.ok) return;
    const found = await response.json();
    shown.textContent = found.problem
      ? found.problem
      : `This reaches ${found.count.toLocaleString("en-GB")} ${found.count === 1 ? "person" : "people"} today.`;
  };
  const later = () => {
    clearTimeout(waiting);
    waiting = setTimeout(count, 400);
  };
  audience.addEventListener("input", later);
  audience.addEventListener("change", later);
}
