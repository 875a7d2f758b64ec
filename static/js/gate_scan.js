/* The gate's scan buttons (templates/frontdesk/gate.html).
 *
 * A button [data-scan-for=ID] reads a QR code with the phone's camera (qr-scanner, vendored under
 * static/vendor/qr-scanner/), puts the 6-digit code it carries into the field #ID and sends that
 * field's form. The code may be the whole text of the QR code, a `code=` parameter of a link, or
 * the first run of 6 digits in it.
 *
 * Without a live camera (no camera, permission refused, a page not served over HTTPS) the panel
 * says so and offers to read a photo of the code instead; typing the code always works. Nothing
 * here runs when the reader did not load: the buttons stay hidden and the page is as before.
 */
(function () {
  "use strict";
  const panel = document.getElementById("scan-panel");
  if (!panel || typeof window.QrScanner === "undefined") return;
  const video = panel.querySelector("video");
  const note = panel.querySelector("[data-scan-note]");
  const photo = document.getElementById("scan-photo");
  const text = JSON.parse(document.getElementById("scan-text").textContent);
  let scanner = null;
  let target = null;

  function codeFrom(data) {
    const value = String(data || "").trim();
    const param = /[?&]code=(\d{6})(?:&|$)/.exec(value);
    if (param) return param[1];
    const digits = /(?:^|\D)(\d{6})(?:\D|$)/.exec(value);
    return digits ? digits[1] : "";
  }

  function say(message, kind) {
    note.textContent = message;
    note.className = "small mt-2 text-" + (kind || "muted");
  }

  function stop() {
    if (scanner) { scanner.stop(); scanner.destroy(); scanner = null; }
    video.classList.add("d-none");
  }

  function close() {
    stop();
    panel.classList.add("d-none");
    if (target) target.focus();
  }

  function found(data) {
    const code = codeFrom(data);
    if (!code) { say(text.not_a_code, "danger"); return false; }
    stop();
    target.value = code;
    say(text.found.replace("{code}", code), "success");
    target.form.requestSubmit();
    return true;
  }

  async function startCamera() {
    if (!window.isSecureContext || !navigator.mediaDevices) throw new Error(text.insecure);
    if (!(await QrScanner.hasCamera())) throw new Error(text.no_camera);
    scanner = new QrScanner(video, result => found(result.data), {
      preferredCamera: "environment",
      returnDetailedScanResult: true,
      highlightScanRegion: true,
      maxScansPerSecond: 10,
    });
    video.classList.remove("d-none");
    await scanner.start();
    say(text.aim);
  }

  document.querySelectorAll("[data-scan-for]").forEach(button => {
    button.classList.remove("d-none");
    button.addEventListener("click", async () => {
      target = document.getElementById(button.dataset.scanFor);
      stop();
      panel.classList.remove("d-none");
      panel.scrollIntoView({ block: "start" });
      say(text.starting);
      try {
        await startCamera();
      } catch (error) {
        stop();
        const reason = error && error.name === "NotAllowedError" ? text.refused : (error && error.message) || text.no_camera;
        say(reason + " " + text.fallback, "danger");
      }
    });
  });

  photo.addEventListener("change", async () => {
    const file = photo.files && photo.files[0];
    if (!file || !target) return;
    say(text.reading);
    try {
      const result = await QrScanner.scanImage(file, { returnDetailedScanResult: true, alsoTryWithoutScanRegion: true });
      found(result.data);
    } catch (error) {
      say(text.unreadable, "danger");
    } finally {
      photo.value = "";
    }
  });

  panel.querySelector("[data-scan-close]").addEventListener("click", close);
})();
