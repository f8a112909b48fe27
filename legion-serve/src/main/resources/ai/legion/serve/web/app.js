// The LEGION web page: one image in, the verdict, the overlay and the explanations out (POST /v1/analyze).
// Everything the model or the file name says is put on the page as text (textContent), never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const drop = $("drop");
const fileInput = $("file");

function show(el, on) { el.hidden = !on; }

function setStatus(text, cls) {
  const s = $("status");
  s.textContent = text;
  s.className = "status" + (cls ? " " + cls : "");
}

async function pollReady() {
  try {
    const r = await fetch("/ready", { cache: "no-store" });
    if (r.ok) { setStatus("model ready", "ok"); return; }
    const body = await r.json().catch(() => ({}));
    setStatus(body.error || "not ready (" + r.status + ")", "bad");
  } catch (e) {
    setStatus("server unreachable", "bad");
  }
  setTimeout(pollReady, 2000);
}

function showError(message) {
  $("error").textContent = message;
  show($("error"), true);
}

async function analyze(file) {
  show($("error"), false);
  drop.classList.add("busy");
  drop.querySelector(".drop-title").textContent = "Analyzing " + file.name + "…";
  try {
    const form = new FormData();
    form.append("image", file, file.name);
    const r = await fetch("/v1/analyze", { method: "POST", body: form });
    const body = await r.json().catch(() => ({ error: "the server answered " + r.status + " without JSON" }));
    if (!r.ok) {
      showError(body.error || ("error " + r.status));
      return;
    }
    render(body);
  } catch (e) {
    showError("the request failed: " + e.message);
  } finally {
    drop.classList.remove("busy");
    drop.querySelector(".drop-title").textContent = "Drop an image here";
    fileInput.value = "";
  }
}

function pct(x) { return (100 * x).toFixed(1) + "%"; }

function render(answer) {
  const report = answer.report;
  const verdict = $("verdict");
  if (report.verdict) {
    const fake = report.verdict.label === "FAKE";
    verdict.textContent = fake ? "Synthetic (FAKE)" : "Real";
    verdict.className = "verdict " + (fake ? "fake" : "real");
    $("pfake").textContent = "p_fake = " + report.verdict.p_fake.toFixed(3);
    $("meter-fill").style.width = pct(report.verdict.p_fake);
  } else {
    verdict.textContent = "No verdict";
    verdict.className = "verdict";
    $("pfake").textContent = "this model has no detection head";
    $("meter-fill").style.width = "0";
  }
  // "skipped": judged real, not explained (upstream explains fakes only); "forced": explained on request anyway
  $("summary").textContent = report.explanations === "skipped"
      ? "Judged real, so not explained."
      : (report.explanations === "forced" ? "Judged real; explained on request (low confidence): " : "")
        + (report.summary || "");
  $("overlay").src = answer.overlay;
  $("caption").textContent = report.source + " · " + report.image.width + "×" + report.image.height + " px · "
      + pct(report.artifact_area_fraction) + " marked · " + Math.round(report.timings_ms.total) + " ms";

  const list = $("artifacts");
  list.replaceChildren();
  report.artifacts.forEach((a, k) => {
    const li = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = answer.artifact_colors[k];
    swatch.textContent = String(a.index + 1);
    const text = document.createElement("div");
    const phrase = document.createElement("span");
    phrase.className = "phrase";
    phrase.textContent = a.phrase || "(no phrase)";
    const area = document.createElement("span");
    area.className = "area";
    area.textContent = " · " + pct(a.mask.area_fraction) + " of the image";
    const expl = document.createElement("div");
    expl.className = "explanation";
    expl.textContent = a.explanation;
    const mask = document.createElement("a");
    mask.href = answer.artifact_masks[k];
    mask.textContent = "mask";
    mask.className = "area";
    text.append(phrase, area, " · ", mask, expl);
    li.append(swatch, text);
    list.append(li);
  });
  if (report.artifacts.length === 0) {
    const li = document.createElement("li");
    li.textContent = report.explanations === "skipped" ? "No explanation for an image judged real."
        : report.text.explanation || "No artifact found.";
    list.append(li);
  }
  const links = $("links");
  links.replaceChildren();
  for (const [label, href] of [["report.json", "/v1/results/" + answer.id + "/report.json"],
      ["union mask", answer.mask], ["overlay", answer.overlay]]) {
    const link = document.createElement("a");
    link.href = href;
    link.textContent = label;
    links.append(link, " ");
  }
  show($("result"), true);
}

fileInput.addEventListener("change", () => { if (fileInput.files.length) analyze(fileInput.files[0]); });
["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => {
  e.preventDefault();
  drop.classList.add("over");
}));
["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (e) => {
  e.preventDefault();
  drop.classList.remove("over");
}));
drop.addEventListener("drop", (e) => {
  if (e.dataTransfer.files.length) analyze(e.dataTransfer.files[0]);
});
pollReady();
