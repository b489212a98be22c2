{% autoescape off %}// Ribambelle's service worker for one municipality's portal. It stores the static assets of
// the shell and one offline page fetched without cookies, nothing else: a page, a file or an
// API answer always comes from the network, so a cut network shows the offline page, never a
// stale record (DESIGN.md, invariant 12).
"use strict";

var CONFIG = {{ config }};
var PREFIX = CONFIG.cachePrefix;
var CACHE = PREFIX + CONFIG.version;
var OFFLINE_URL = CONFIG.offlineUrl;
var STATIC_PREFIX = CONFIG.staticPrefix;
var ASSETS = CONFIG.assets;

function anonymous(url) {
  return new Request(url, { credentials: "omit", cache: "no-store" });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all([
        cache.addAll(ASSETS.map(anonymous)),
        fetch(anonymous(OFFLINE_URL)).then(function (response) {
          if (!response.ok) { throw new Error("offline page: " + response.status); }
          return cache.put(OFFLINE_URL, response);
        })
      ]);
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && name !== CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(OFFLINE_URL); });
    }));
  } else if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (hit) { return hit || fetch(request); });
    }));
  }
});

// Web Push: a title and a link into this portal, nothing else (no name, no message text).
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  var url = new URL(data.url || self.registration.scope, self.registration.scope);
  if (url.origin !== self.location.origin) { url = new URL(self.registration.scope); }
  event.waitUntil(self.registration.showNotification(data.title || CONFIG.appName, {
    icon: CONFIG.icon,
    data: { url: url.href }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
{% endautoescape %}
