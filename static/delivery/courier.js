/*
 * The courier's label scanner: where the browser has the BarcodeDetector API and a camera,
 * a button reads the QR code on the parcel's label into the label-code field. Typing the
 * code always works: without the API (or the camera) the button stays hidden. No inline
 * script (the CSP forbids them); nothing is sent anywhere but the form the courier submits.
 */
(function () {
  "use strict";

  function labelFrom(raw) {
    var value = String(raw || "").trim();
    if (value.indexOf("/") !== -1) {
      var parts = value.split("?")[0].split("/").filter(function (part) { return part; });
      value = parts.length ? parts[parts.length - 1] : "";
    }
    return value.replace(/[\s-]/g, "").toUpperCase();
  }

  function setUp(scanner) {
    var form = scanner.closest("form");
    var input = form && form.querySelector("[data-label-input]");
    var button = scanner.querySelector("[data-scan-start]");
    var video = scanner.querySelector("[data-scan-video]");
    var status = scanner.querySelector("[data-scan-status]");
    if (!input || !button || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
      return;
    }
    var stream = null;
    var timer = null;

    function stop() {
      if (timer) { window.clearTimeout(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
      video.hidden = true;
      button.disabled = false;
    }

    function say(text) { if (status) { status.textContent = text; } }

    button.addEventListener("click", function () {
      var detector;
      try {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      } catch (error) {
        say(scanner.dataset.unavailable || "");
        scanner.hidden = true;
        return;
      }
      button.disabled = true;
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          video.hidden = false;
          return video.play();
        })
        .then(function () {
          function look() {
            detector.detect(video).then(function (codes) {
              var found = codes.length ? labelFrom(codes[0].rawValue) : "";
              if (found) {
                input.value = found;
                say(scanner.dataset.found || "");
                stop();
                input.focus();
              } else {
                timer = window.setTimeout(look, 250);
              }
            }).catch(function () { timer = window.setTimeout(look, 500); });
          }
          look();
        })
        .catch(function () {
          say(scanner.dataset.noCamera || "");
          stop();
        });
    });
    window.addEventListener("pagehide", stop);
    scanner.hidden = false;
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-scanner]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
