/*
 * Rumah Belajar: the in-page PDF reader (templates/ebooks/ebook_read.html).
 *
 * pdf.js (from npm, served as static files) renders one page at a time on a canvas, with a text
 * layer over it so the text can be selected and read by screen readers. Everything the script
 * needs comes from data- attributes on [data-reader]: the CSP allows no inline script.
 *
 * - Navigation: the buttons, the page number field, and ←/→ on the keyboard.
 * - Zoom: in, out, and "fit width" (the default, so a phone shows the whole width of the page).
 * - The reading position is saved as the reader moves: at most one request every ~2 s, and a
 *   last one with navigator.sendBeacon when the page is hidden or left. The server reopens the
 *   book at the saved page.
 * - pdf.js asks for byte ranges of the file when the server offers them (Accept-Ranges), so a
 *   large book opens without downloading all of it; disableAutoFetch and disableStream keep it
 *   that way (nothing fetched ahead of the page read, which matters on a phone's data plan).
 */

const SAVE_INTERVAL_MS = 2000;
const RETRY_MS = 10000;
const ZOOM_STEP = 1.25;
const ZOOM_MIN = 0.25;
const ZOOM_MAX = 4;
// The first view fits the page's width, but no larger than this on a wide screen (as pdf.js's own
// viewer does): "Sesuaikan lebar" then fills the whole width on request.
const AUTO_SCALE_MAX = 1.5;

const root = document.querySelector("[data-reader]");
if (root) {
  start(root).catch((error) => {
    showError(root);
    console.error(error);
  });
}

function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (match, name) => String(values[name] ?? match));
}

function showError(reader) {
  const box = reader.querySelector("[data-error]");
  reader.querySelector("[data-loading]").hidden = true;
  box.textContent = reader.dataset.msgError;
  box.hidden = false;
}

/** The modern build needs the newest JavaScript; older phone browsers get the legacy build. */
function pdfjsUrls(data) {
  const modern =
    typeof Map.prototype.getOrInsertComputed === "function" &&
    typeof Promise.withResolvers === "function" &&
    typeof Uint8Array.prototype.toHex === "function";
  if (modern || !data.pdfjsLegacySrc) {
    return { lib: data.pdfjsSrc, worker: data.workerSrc };
  }
  return { lib: data.pdfjsLegacySrc, worker: data.workerLegacySrc };
}

async function start(reader) {
  const data = reader.dataset;
  const urls = pdfjsUrls(data);
  const pdfjs = await import(urls.lib);
  pdfjs.GlobalWorkerOptions.workerSrc = urls.worker;

  const stage = reader.querySelector("[data-stage]");
  const pageBox = reader.querySelector("[data-page]");
  const canvas = reader.querySelector("[data-canvas]");
  const textLayerBox = reader.querySelector("[data-text-layer]");
  const pageInput = reader.querySelector("#nomor-halaman");
  const totalText = reader.querySelector("#jumlah-halaman");
  const progressBar = reader.querySelector("#kemajuan-baca");
  const progressText = reader.querySelector("[data-progress-text]");
  const saveState = reader.querySelector("[data-save-state]");
  const announcer = reader.querySelector("[data-announce]");
  const zoomLevel = reader.querySelector("[data-zoom-level]");
  // "Laporkan bacaan ini": offered once the last page is reached (the learning log).
  const reportLink = reader.querySelector("[data-report-link]");
  const buttons = {};
  reader.querySelectorAll("[data-action]").forEach((button) => {
    buttons[button.dataset.action] = button;
  });

  const pdf = await pdfjs.getDocument({
    url: data.fileUrl,
    withCredentials: true,
    // Only the byte ranges the page shown needs (pdf.js needs both for that), not the whole file.
    disableAutoFetch: true,
    disableStream: true,
  }).promise;

  const total = pdf.numPages;
  const state = {
    page: clamp(parseInt(data.startPage, 10) || 1, 1, total),
    fit: "auto", // "auto" (width, capped), "width" (the whole width) or null (a chosen zoom)
    scale: 1,
    rendering: false,
    pending: null, // a page asked for while another was being drawn
    renderTask: null,
    textLayer: null,
  };

  // --- Drawing ---------------------------------------------------------------------------------

  function clamp(value, low, high) {
    return Math.min(Math.max(value, low), high);
  }

  function fitScale(page) {
    const unscaled = page.getViewport({ scale: 1 });
    const style = getComputedStyle(stage);
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    const width = Math.max(stage.clientWidth - padding, 200);
    const scale = width / unscaled.width;
    return state.fit === "auto" ? Math.min(scale, AUTO_SCALE_MAX) : scale;
  }

  async function draw(number) {
    state.rendering = true;
    try {
      const page = await pdf.getPage(number);
      if (state.fit) {
        state.scale = fitScale(page);
      }
      const viewport = page.getViewport({ scale: state.scale });
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.floor(viewport.width * ratio);
      canvas.height = Math.floor(viewport.height * ratio);
      // CSSOM properties, not a style="" attribute: the CSP allows these.
      canvas.style.width = `${Math.floor(viewport.width)}px`;
      canvas.style.height = `${Math.floor(viewport.height)}px`;
      pageBox.style.width = `${Math.floor(viewport.width)}px`;
      pageBox.style.height = `${Math.floor(viewport.height)}px`;
      state.renderTask = page.render({
        canvas,
        viewport,
        transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
      });
      await state.renderTask.promise;
      state.renderTask = null;
      await drawText(page, viewport);
      canvas.setAttribute("aria-label", format(data.msgCanvas, { page: number, total }));
      pageBox.hidden = false;
      reader.querySelector("[data-loading]").hidden = true;
      reader.dataset.renderedPage = String(number);
      showZoom();
    } catch (error) {
      if (!(error instanceof pdfjs.RenderingCancelledException)) {
        throw error;
      }
    } finally {
      state.rendering = false;
    }
    if (state.pending !== null) {
      const next = state.pending;
      state.pending = null;
      await draw(next);
    }
  }

  async function drawText(page, viewport) {
    state.textLayer?.cancel();
    textLayerBox.replaceChildren();
    textLayerBox.style.setProperty("--total-scale-factor", String(viewport.scale));
    textLayerBox.style.setProperty("--scale-round-x", "1px");
    textLayerBox.style.setProperty("--scale-round-y", "1px");
    const layer = new pdfjs.TextLayer({
      textContentSource: page.streamTextContent(),
      container: textLayerBox,
      viewport,
    });
    state.textLayer = layer;
    try {
      await layer.render();
    } catch (error) {
      // A newer page replaced this one before its text was laid out.
      if (!(error instanceof pdfjs.AbortException)) {
        throw error;
      }
    }
  }

  function requestDraw(number) {
    if (state.rendering) {
      state.pending = number;
      state.renderTask?.cancel();
    } else {
      draw(number).catch(fail);
    }
  }

  function fail(error) {
    showError(reader);
    console.error(error);
  }

  // --- Controls ---------------------------------------------------------------------------------

  function updateControls() {
    const { page } = state;
    pageInput.value = String(page);
    pageInput.max = String(total);
    totalText.textContent = format(totalText.dataset.template || "dari %(total)s", { total });
    buttons.prev.disabled = page <= 1;
    buttons.next.disabled = page >= total;
    progressBar.max = total;
    progressBar.value = page;
    const percent = Math.round((page / total) * 100);
    progressText.textContent = `${format(data.msgPage, { page, total })} · ${percent}%`;
    if (reportLink) {
      reportLink.hidden = page < total;
    }
    showZoom();
  }

  function showZoom() {
    zoomLevel.textContent = `${Math.round(state.scale * 100)}%`;
    buttons["fit-width"].setAttribute("aria-pressed", state.fit === "width" ? "true" : "false");
    buttons["zoom-in"].disabled = state.scale >= ZOOM_MAX;
    buttons["zoom-out"].disabled = state.scale <= ZOOM_MIN;
  }

  function goTo(number, { announce = true } = {}) {
    const page = clamp(number, 1, total);
    if (page === state.page) {
      updateControls();
      return;
    }
    state.page = page;
    updateControls();
    if (announce) {
      announcer.textContent = format(data.msgPage, { page, total });
    }
    // Back to the top of the new page when the previous one was scrolled past.
    if (stage.getBoundingClientRect().top < 0) {
      stage.scrollIntoView({ block: "start" });
    }
    requestDraw(page);
    scheduleSave();
  }

  function zoom(scale) {
    state.fit = null;
    state.scale = clamp(scale, ZOOM_MIN, ZOOM_MAX);
    requestDraw(state.page);
    // The zoom shown waits for the drawing; the draw sets the scale it used.
    updateControls();
    announcer.textContent = zoomLevel.textContent;
  }

  buttons.prev.addEventListener("click", () => goTo(state.page - 1));
  buttons.next.addEventListener("click", () => goTo(state.page + 1));
  buttons["zoom-in"].addEventListener("click", () => zoom(state.scale * ZOOM_STEP));
  buttons["zoom-out"].addEventListener("click", () => zoom(state.scale / ZOOM_STEP));
  buttons["fit-width"].addEventListener("click", async () => {
    state.fit = "width";
    const page = await pdf.getPage(state.page);
    state.scale = fitScale(page);
    requestDraw(state.page);
    updateControls();
    announcer.textContent = zoomLevel.textContent;
  });

  reader.querySelector("[data-goto]").addEventListener("submit", (event) => {
    event.preventDefault();
    goTo(parseInt(pageInput.value, 10) || state.page);
  });
  pageInput.addEventListener("change", () => {
    goTo(parseInt(pageInput.value, 10) || state.page);
  });

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const target = event.target;
    if (target instanceof Element && target.closest("input, select, textarea, [contenteditable]")) {
      return;
    }
    if (event.key === "ArrowLeft") {
      event.preventDefault();
      goTo(state.page - 1);
    } else if (event.key === "ArrowRight") {
      event.preventDefault();
      goTo(state.page + 1);
    }
  });

  // Fitting follows the stage's width (a phone turned sideways, a resized window, a scrollbar
  // that appears); a change of height alone (the next page drawn) needs nothing.
  let resizeTimer = null;
  let stageWidth = stage.clientWidth;
  new ResizeObserver(() => {
    if (!state.fit || stage.clientWidth === stageWidth) {
      return;
    }
    stageWidth = stage.clientWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => requestDraw(state.page), 150);
  }).observe(stage);

  // --- Saving the reading position ---------------------------------------------------------------

  const save = {
    saved: state.page,
    lastSentAt: 0,
    timer: null,
    inFlight: false,
  };

  function progressForm(page) {
    const body = new FormData();
    body.append("page", String(page));
    body.append("csrfmiddlewaretoken", data.csrfToken);
    return body;
  }

  function scheduleSave(delay = null) {
    if (state.page === save.saved) {
      return;
    }
    clearTimeout(save.timer);
    const wait = delay ?? Math.max(0, save.lastSentAt + SAVE_INTERVAL_MS - Date.now());
    save.timer = setTimeout(sendSave, wait);
  }

  async function sendSave() {
    save.timer = null;
    if (save.inFlight) {
      scheduleSave(SAVE_INTERVAL_MS);
      return;
    }
    const page = state.page;
    save.inFlight = true;
    save.lastSentAt = Date.now();
    saveState.textContent = data.msgSaving;
    try {
      const response = await fetch(data.progressUrl, {
        method: "POST",
        body: progressForm(page),
        headers: { "X-CSRFToken": data.csrfToken },
        credentials: "same-origin",
      });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      const answer = await response.json();
      save.saved = answer.page ?? page;
      reader.dataset.savedPage = String(save.saved);
      saveState.textContent = data.msgSaved;
    } catch (error) {
      saveState.textContent = data.msgUnsaved;
      scheduleSave(RETRY_MS);
    } finally {
      save.inFlight = false;
    }
    scheduleSave();
  }

  function saveOnLeave() {
    if (state.page === save.saved) {
      return;
    }
    clearTimeout(save.timer);
    if (navigator.sendBeacon(data.progressUrl, progressForm(state.page))) {
      save.saved = state.page;
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      saveOnLeave();
    }
  });
  window.addEventListener("pagehide", saveOnLeave);

  // --- Go ----------------------------------------------------------------------------------------

  Object.values(buttons).forEach((button) => {
    button.disabled = false;
  });
  pageInput.disabled = false;
  updateControls();
  await draw(state.page);
  updateControls();
  reader.dataset.ready = "true";
}
