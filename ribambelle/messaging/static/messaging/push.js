// "Notifications" page: subscribe this browser to Web Push, or unsubscribe it.
(function () {
  "use strict";
  var box = document.getElementById("push");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) { return; }
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  var status = document.getElementById("push-status");
  var token = box.querySelector("input[name=csrfmiddlewaretoken]").value;

  function key(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); });
  }
  function post(url, fields) {
    var body = new URLSearchParams(fields);
    return fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" });
  }
  function show(subscribed, text) {
    on.hidden = subscribed;
    off.hidden = !subscribed;
    if (text) { status.textContent = text; }
  }
  navigator.serviceWorker.ready.then(function (registration) {
    return registration.pushManager.getSubscription().then(function (current) {
      show(Boolean(current), current ? on.getAttribute("data-done") : " ");
      on.addEventListener("click", function () {
        Notification.requestPermission().then(function (permission) {
          if (permission !== "granted") { throw new Error("refused"); }
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(box.getAttribute("data-key")) });
        }).then(function (subscription) {
          var data = subscription.toJSON();
          return post(box.getAttribute("data-subscribe"), { endpoint: data.endpoint, p256dh: data.keys.p256dh, auth: data.keys.auth });
        }).then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          show(true, on.getAttribute("data-done"));
        }).catch(function (error) {
          status.textContent = on.getAttribute(error.message === "refused" ? "data-refused" : "data-failed");
        });
      });
      off.addEventListener("click", function () {
        registration.pushManager.getSubscription().then(function (subscription) {
          if (!subscription) { return null; }
          return post(box.getAttribute("data-unsubscribe"), { endpoint: subscription.endpoint }).then(function () {
            return subscription.unsubscribe();
          });
        }).then(function () { show(false, off.getAttribute("data-done")); });
      });
    });
  });
})();
