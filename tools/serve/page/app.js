// nndl-serve's page: a drawing pad whose canvas goes to POST /api/predict as PNG bytes while you
// draw (at most one request at a time, the latest drawing always last), the answer as a digit,
// ten bars and the 28 x 28 image the network saw; uploads and dropped files the same way; and the
// model view from GET /api/model and, when the server evaluates, GET /api/evaluation.
//
// For tests: document.body.dataset.state is "busy" from the first stroke until the answer to the
// latest drawing is shown, then "idle"; each bar is #p0 ... #p9 with data-p, the probability.
"use strict";

const pad = document.getElementById("pad");
const ink = pad.getContext("2d");
const seen = document.getElementById("seen");
const prediction = document.getElementById("prediction");
const message = document.getElementById("message");
const DELAY = 120;  // ms after the last stroke before the drawing is sent
const PEN = 20;     // stroke width in pad pixels (the pad is 280 x 280: 28 x 28 of 10 x 10)

const page = { inked: false, dirty: false, inFlight: false, timer: 0, drawing: null, sent: 0, shown: 0 };

function updateState() {
  const busy = page.dirty || page.inFlight || page.timer !== 0;
  document.body.dataset.state = busy ? "busy" : "idle";
}

// ---- the answer -------------------------------------------------------------------------------

function makeBars() {
  const box = document.getElementById("probabilities");
  for (let d = 0; d < 10; d++) {
    const row = document.createElement("div");
    row.className = "prob";
    row.dataset.digit = String(d);
    row.innerHTML = `<span class="digit">${d}</span><div class="track"><div class="fill" id="p${d}" data-p="0"></div></div><span class="value">–</span>`;
    box.appendChild(row);
  }
}

function showAnswer(a) {
  prediction.textContent = String(a.digit);
  document.getElementById("confidence").textContent = `${(100 * a.confidence).toFixed(1)}% sure`;
  a.probabilities.forEach((p, d) => {
    const fill = document.getElementById(`p${d}`);
    if (!fill) return;
    fill.style.width = `${(100 * p).toFixed(2)}%`;
    fill.dataset.p = String(p);
    const row = fill.closest(".prob");
    row.classList.toggle("best", d === a.digit);
    row.querySelector(".value").textContent = `${(100 * p).toFixed(1)}%`;
  });
  const img = seen.getContext("2d").createImageData(28, 28);
  a.input.forEach((v, i) => {
    const g = Math.round(255 * Math.min(1, Math.max(0, v)));
    img.data.set([g, g, g, 255], 4 * i);
  });
  seen.getContext("2d").putImageData(img, 0, 0);
  message.textContent = "";
}

function clearAnswer() {
  prediction.textContent = "";
  document.getElementById("confidence").textContent = "";
  for (let d = 0; d < 10; d++) {
    const fill = document.getElementById(`p${d}`);
    fill.style.width = "0";
    fill.dataset.p = "0";
    fill.closest(".prob").classList.remove("best");
    fill.closest(".prob").querySelector(".value").textContent = "–";
  }
  seen.getContext("2d").clearRect(0, 0, 28, 28);
}

/// Sends image bytes; answers that arrive after a newer request was sent are dropped.
async function ask(body, type, id = ++page.sent) {
  page.inFlight = true;
  updateState();
  try {
    const r = await fetch("/api/predict", { method: "POST", headers: { "Content-Type": type }, body });
    const a = await r.json();
    if (id > page.shown) {
      page.shown = id;
      if (r.ok) showAnswer(a); else message.textContent = a.error || `the server answered ${r.status}`;
    }
  } catch (e) {
    message.textContent = `no answer from the server (${e.message})`;
  } finally {
    page.inFlight = false;
    if (page.dirty && page.timer === 0) sendDrawing();  // the drawing changed while we waited
    updateState();
  }
}

function sendDrawing() {
  page.timer = 0;
  if (!page.inked) page.dirty = false;  // nothing to send (a blank pad has no digit)
  if (page.inFlight || !page.dirty) { updateState(); return; }  // in flight: sent when its answer is in
  page.dirty = false;
  page.inFlight = true;  // from now: toBlob takes a moment before ask() starts
  const id = ++page.sent;  // now, so that Clear before toBlob's answer drops it
  pad.toBlob((blob) => ask(blob, "image/png", id), "image/png");
}

function schedule() {
  page.dirty = true;
  if (page.timer) clearTimeout(page.timer);
  page.timer = setTimeout(sendDrawing, DELAY);
  updateState();
}

// ---- the pad ----------------------------------------------------------------------------------

function blank() {
  ink.fillStyle = "#000";
  ink.fillRect(0, 0, pad.width, pad.height);
}

function at(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
}

function strokeTo(p) {
  ink.strokeStyle = "#fff";
  ink.lineWidth = PEN;
  ink.lineCap = "round";
  ink.lineJoin = "round";
  ink.beginPath();
  ink.moveTo(page.drawing[0], page.drawing[1]);
  ink.lineTo(p[0], p[1]);
  ink.stroke();
  page.drawing = p;
  page.inked = true;
}

pad.addEventListener("pointerdown", (e) => {
  if (e.button !== 0) return;
  e.preventDefault();
  pad.setPointerCapture(e.pointerId);
  page.drawing = at(e);
  strokeTo(page.drawing);  // a dot
  schedule();
});
pad.addEventListener("pointermove", (e) => {
  if (!page.drawing) return;
  e.preventDefault();
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
  for (const c of events.length ? events : [e]) strokeTo(at(c));
  schedule();
});
for (const type of ["pointerup", "pointercancel"])
  pad.addEventListener(type, () => {
    if (!page.drawing) return;
    page.drawing = null;
    schedule();
  });

document.getElementById("clear").addEventListener("click", () => {
  if (page.timer) clearTimeout(page.timer);
  page.timer = 0;
  page.dirty = false;
  page.inked = false;
  page.shown = page.sent;  // an answer still on its way is not shown
  blank();
  clearAnswer();
  message.textContent = "";
  updateState();
});

// ---- files: upload and drag-and-drop ----------------------------------------------------------

/// Shows the picture on the pad (fitted, on black) when the browser can decode it, and sends the
/// file's own bytes, so that the server sees the file as nndl-predict would.
async function useFile(file) {
  if (!file) return;
  if (page.timer) clearTimeout(page.timer);
  page.timer = 0;
  page.dirty = false;
  blank();
  try {
    const bitmap = await createImageBitmap(file);
    const s = Math.min(pad.width / bitmap.width, pad.height / bitmap.height);
    const w = bitmap.width * s, h = bitmap.height * s;
    ink.drawImage(bitmap, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
    page.inked = true;
  } catch (e) {
    page.inked = false;  // (PGM: browsers do not show it; the server reads it)
  }
  await ask(file, file.type || "application/octet-stream");
}

document.getElementById("upload").addEventListener("change", (e) => {
  useFile(e.target.files[0]);
  e.target.value = "";  // the same file again is a new change
});
const zone = document.getElementById("dropzone");
zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
zone.addEventListener("dragleave", () => zone.classList.remove("over"));
zone.addEventListener("drop", (e) => {
  e.preventDefault();
  zone.classList.remove("over");
  useFile(e.dataTransfer.files[0]);
});

// ---- the model view ---------------------------------------------------------------------------

function cell(row, tag, text, cls) {
  const c = document.createElement(tag);
  c.textContent = text;
  if (cls) c.className = cls;
  row.appendChild(c);
  return c;
}

function showModel(m) {
  const kind = m.members > 1 ? `an ensemble of ${m.members} networks voting` : "a network";
  document.getElementById("model-summary").textContent =
    `${m.name}: ${kind}, ${m.parameters.toLocaleString("en")} parameters per network`;
  document.getElementById("architecture").textContent = m.description;
  const body = document.querySelector("#provenance tbody");
  const entries = m.provenance && typeof m.provenance === "object" ? Object.entries(m.provenance) : [];
  if (entries.length === 0) entries.push(["provenance", "none recorded in the file"]);
  for (const [k, v] of entries) {
    const row = document.createElement("tr");
    cell(row, "th", k);
    cell(row, "td", typeof v === "object" ? JSON.stringify(v) : String(v));
    body.appendChild(row);
  }
  const note = document.getElementById("weights-note");
  if (!m.weights) {
    note.textContent = "The first layer's weights do not form square images.";
  } else {
    const w = m.weights, img = document.getElementById("weights");
    const what = w.tile === 28 ? "neuron: its 784 weights as a 28 × 28 image" : `filter: ${w.tile} × ${w.tile}`;
    note.textContent = `${w.layer}: one tile per ${what}; white is positive, black negative, gray zero` +
      (w.shown < w.units ? ` (the first ${w.shown} of ${w.units})` : "") + (m.members > 1 ? "; the ensemble's first network" : "");
    img.addEventListener("load", () => {
      const scale = Math.max(1, Math.floor(460 / img.naturalWidth));
      img.style.width = `${img.naturalWidth * scale}px`;
      img.hidden = false;
    }, { once: true });
    img.src = w.url;
  }
  if (m.evaluation === "none")
    document.getElementById("accuracy").textContent =
      "Start nndl-serve with --data DIR (the MNIST folder) to see the test accuracy, the confusion matrix and the misclassified digits.";
  else pollEvaluation();
}

function showEvaluation(e) {
  document.getElementById("accuracy").textContent =
    `Test accuracy: ${e.correct} / ${e.total} (${(100 * e.accuracy).toFixed(2)}%)` +
    (e.members_correct.length ? `; each network alone: ${e.members_correct.join(", ")}` : "");
  const table = document.getElementById("confusion");
  const head = document.createElement("tr");
  cell(head, "th", "true \\ predicted");
  e.confusion.forEach((_, p) => cell(head, "th", String(p)));
  table.appendChild(head);
  e.confusion.forEach((row, t) => {
    const tr = document.createElement("tr");
    cell(tr, "th", String(t));
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((n, p) => {
      const c = cell(tr, "td", String(n), t === p ? "diagonal" : "");
      if (t !== p && n > 0) c.style.backgroundColor = `rgba(220, 60, 60, ${Math.min(0.8, 0.1 + 8 * n / total)})`;
    });
    table.appendChild(tr);
  });
  document.getElementById("confused").textContent = "Most confused (true → predicted): " +
    (e.most_confused.map((c) => `${c.true} → ${c.predicted} (${c.count})`).join(", ") || "none");
  const img = document.getElementById("errors");
  if (e.errors.length) {
    img.src = "/api/errors.png";
    img.hidden = false;
    img.title = `${e.errors.length} misclassified` + (e.errors_shown < e.errors.length ? `, the first ${e.errors_shown} shown` : "");
  }
}

async function pollEvaluation() {
  const status = document.getElementById("accuracy");
  try {
    const r = await fetch("/api/evaluation");
    const e = await r.json();
    if (!r.ok) { status.textContent = e.error; return; }
    if (e.state === "done") return showEvaluation(e);
    status.textContent = e.total ? `Evaluating on the test set: ${e.done} / ${e.total}…` : "Loading MNIST…";
    setTimeout(pollEvaluation, 500);
  } catch (err) {
    status.textContent = `no answer from the server (${err.message})`;
  }
}

async function loadModel() {
  try {
    const r = await fetch("/api/model");
    showModel(await r.json());
  } catch (e) {
    document.getElementById("model-summary").textContent = `The model could not be loaded (${e.message}).`;
  }
}

makeBars();
blank();
updateState();
loadModel();
