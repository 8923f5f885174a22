/* Korlantas Digital: the live countdown to a bill's expiry (templates/payments/bill.html).

   The page already shows the absolute expiry in Jakarta time; this only adds "time left".
   Markup: an element with data-countdown, data-deadline (Unix seconds), data-server-now (Unix
   seconds, the server's clock when the page was made: a wrong clock on the device does not
   matter) and data-expired-text, holding [data-countdown-value] (the ticking h:mm:ss,
   role="timer", not announced) and [data-countdown-status] (role="status": announced once,
   when time is up).
   The element starts hidden and is shown here. No inline script: CSP is script-src 'self'. */
(function () {
  "use strict";

  function pad(number) {
    return number < 10 ? "0" + number : String(number);
  }

  function start(element) {
    var deadline = parseInt(element.getAttribute("data-deadline"), 10) * 1000;
    var serverNow = parseInt(element.getAttribute("data-server-now"), 10) * 1000;
    var value = element.querySelector("[data-countdown-value]");
    var status = element.querySelector("[data-countdown-status]");
    if (isNaN(deadline) || !value) {
      return;
    }
    // The device's clock may be wrong: count from the server's "now", moved on by the time
    // this page has been open.
    var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
    var timer = null;

    function tick() {
      var left = Math.floor((deadline - (Date.now() + skew)) / 1000);
      if (left <= 0) {
        value.textContent = "0:00:00";
        if (status) {
          status.textContent = element.getAttribute("data-expired-text") || "";
          status.classList.remove("visually-hidden");
        }
        element.classList.remove("text-body-secondary");
        element.classList.add("text-danger");
        if (timer !== null) {
          window.clearInterval(timer);
        }
        return;
      }
      var hours = Math.floor(left / 3600);
      var minutes = Math.floor((left % 3600) / 60);
      var seconds = left % 60;
      value.textContent = hours + ":" + pad(minutes) + ":" + pad(seconds);
    }

    element.hidden = false;
    timer = window.setInterval(tick, 1000);
    tick();
  }

  function startAll() {
    var elements = document.querySelectorAll("[data-countdown]");
    for (var index = 0; index < elements.length; index += 1) {
      start(elements[index]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAll);
  } else {
    startAll();
  }
})();
