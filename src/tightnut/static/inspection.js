// The inspection form at the depot gate: failing an item shows its evidence, and when the
// network is down the inspection is kept on this phone (IndexedDB, photos as Blobs) and sent
// when the network is back, with the same Idempotency-Key so the server makes one record.
// Without this script the form still posts and redirects as any other form.
(function () {
  "use strict";
  var DB_NAME = "tightnut-drafts";
  var STORE = "drafts";
  var DAY_MS = 24 * 3600 * 1000;
  var KEEP_ANSWERED_MS = 7 * DAY_MS;
  var sending = false;

  document.documentElement.classList.add("js");

  // ---- storage -------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function allDrafts() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (found) {
      return (found || []).sort(function (a, b) { return a.created - b.created; });
    });
  }
  function putDraft(draft) { return withStore("readwrite", function (store) { return store.put(draft); }); }
  function removeDraft(key) { return withStore("readwrite", function (store) { return store.delete(key); }); }
  function getDraft(key) { return withStore("readonly", function (store) { return store.get(key); }); }

  // ---- sending -------------------------------------------------------------------------
  function csrfToken() {
    return window.tightnut && window.tightnut.csrfToken ? window.tightnut.csrfToken() : "";
  }

  // One POST of the form; the answer as {kind: accepted | refused | signin | network, ...}.
  function send(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      if (response.redirected && response.url.indexOf("/login") !== -1) {
        return { kind: "signin" };
      }
      return response.json().catch(function () { return null; }).then(function (body) {
        if ((response.status === 201 || response.status === 200) && body && body.url) {
          return { kind: "accepted", url: body.url, replayed: !!body.replayed };
        }
        if (response.status === 401) { return { kind: "signin" }; }
        return {
          kind: "refused",
          status: response.status,
          errors: body && body.errors ? body.errors : [],
          message: response.status + " " + (response.statusText || "")
        };
      });
    }, function () { return { kind: "network" }; });
  }

  function formDataOf(draft) {
    var data = new FormData();
    draft.fields.forEach(function (field) {
      if (field.blob) { data.append(field.name, field.blob, field.filename || "photo.jpg"); }
      else { data.append(field.name, field.value); }
    });
    return data;
  }

  function fieldsOf(data) {
    var fields = [];
    data.forEach(function (value, name) {
      if (name === "csrf_token") { return; }
      if (typeof value === "string") { fields.push({ name: name, value: value }); }
      else if (value && value.size > 0) { fields.push({ name: name, blob: value, filename: value.name }); }
    });
    return fields;
  }

  function sendWaiting() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    return allDrafts().then(function (drafts) {
      var waiting = drafts.filter(function (d) { return d.status === "waiting"; });
      return waiting.reduce(function (chain, draft) {
        return chain.then(function () { return sendOne(draft); });
      }, Promise.resolve());
    }).catch(function () { /* no storage: nothing to send */ }).then(function () {
      sending = false;
      return renderPanel();
    });
  }

  function sendOne(draft) {
    return send(draft.url, formDataOf(draft)).then(function (answer) {
      if (answer.kind === "network") { return null; }
      draft.answer = answer;
      draft.answered = Date.now();
      if (answer.kind === "accepted") { draft.status = "accepted"; draft.fields = []; }
      else if (answer.kind === "refused") { draft.status = "refused"; }
      return putDraft(draft);
    });
  }

  // ---- the panel of waiting drafts -----------------------------------------------------
  function age(ms) {
    var lang = document.documentElement.lang || "en";
    var minutes = Math.round(ms / 60000);
    var words = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }) : null;
    if (!words) { return minutes + " min"; }
    if (minutes < 60) { return words.format(-minutes, "minute"); }
    if (minutes < 48 * 60) { return words.format(-Math.round(minutes / 60), "hour"); }
    return words.format(-Math.round(minutes / 1440), "day");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function rowOf(panel, draft) {
    var words = panel.dataset;
    var item = element("li", "draft " + draft.status);
    item.dataset.key = draft.key;
    var head = element("span", "draft-head");
    head.appendChild(element("span", "plate", draft.plate || ""));
    head.appendChild(document.createTextNode(" · " + age(Date.now() - draft.created)));
    item.appendChild(head);
    var status = words.waiting;
    if (draft.status === "accepted") { status = draft.answer && draft.answer.replayed ? words.replayed : words.accepted; }
    if (draft.status === "refused") { status = words.refused; }
    if (draft.status === "waiting" && draft.answer && draft.answer.kind === "signin") { status = words.signin; }
    item.appendChild(element("span", "draft-status", status));
    if (draft.status === "waiting" && Date.now() - draft.created > DAY_MS) {
      item.appendChild(element("span", "old-warning", words.old));
    }
    if (draft.status === "accepted" && draft.answer) {
      var link = element("a", "result-link", words.result);
      link.href = draft.answer.url;
      item.appendChild(link);
    }
    if (draft.status === "refused" && draft.answer) {
      var list = element("ul", "draft-errors");
      var errors = draft.answer.errors || [];
      if (!errors.length) { list.appendChild(element("li", "", draft.answer.message)); }
      errors.forEach(function (error) {
        list.appendChild(element("li", "", (error.label ? error.label + ": " : "") + error.message));
      });
      item.appendChild(list);
    }
    if (draft.status !== "waiting") {
      var remove = element("button", "remove", words.remove);
      remove.type = "button";
      remove.addEventListener("click", function () { removeDraft(draft.key).then(renderPanel); });
      item.appendChild(remove);
    }
    return item;
  }

  function renderPanel() {
    var panel = document.getElementById("drafts");
    if (!panel) { return Promise.resolve(); }
    return allDrafts().then(function (drafts) {
      var now = Date.now();
      drafts = drafts.filter(function (d) {
        var stale = d.status !== "waiting" && now - (d.answered || d.created) > KEEP_ANSWERED_MS;
        if (stale) { removeDraft(d.key); }
        return !stale;
      });
      var list = panel.querySelector(".draft-list");
      list.textContent = "";
      drafts.forEach(function (draft) { list.appendChild(rowOf(panel, draft)); });
      panel.hidden = drafts.length === 0;
    }).catch(function () { panel.hidden = true; });
  }

  // ---- the form ------------------------------------------------------------------------
  function markFailing(form) {
    form.querySelectorAll(".item").forEach(function (item) {
      var fail = item.querySelector('input[type="radio"][value="fail"]');
      item.classList.toggle("failing", !!(fail && fail.checked));
    });
  }

  function keepDraft(form, data) {
    var key = data.get("idempotency_key");
    return getDraft(key).then(function (earlier) {
      return putDraft({
        key: key,
        url: form.action,
        plate: form.dataset.plate,
        form: form.dataset.form,
        created: earlier ? earlier.created : Date.now(),
        status: "waiting",
        fields: fieldsOf(data)
      });
    }).then(function () {
      var saved = document.getElementById("draft-saved");
      var panel = document.getElementById("drafts");
      if (saved && panel) {
        saved.textContent = panel.dataset.saved;
        saved.hidden = false;
      }
      return renderPanel();
    });
  }

  function setUpForm(form) {
    var button = form.querySelector('button[type="submit"]');
    var busy = false;
    markFailing(form);
    form.addEventListener("change", function () { markFailing(form); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      if (button) { button.disabled = true; }
      var clock = form.querySelector('input[name="client_time"]');
      if (clock && !clock.value) { clock.value = new Date().toISOString(); }
      var data = new FormData(form);
      var done = function () { busy = false; if (button) { button.disabled = false; } };
      var offline = navigator.onLine === false;
      var attempt = offline ? Promise.resolve({ kind: "network" }) : send(form.action, data);
      attempt.then(function (answer) {
        if (answer.kind === "accepted") { window.location.assign(answer.url); return; }
        if (answer.kind === "network") { keepDraft(form, data).then(done, done); return; }
        // Refused: post the same form the ordinary way, so the server shows every error in
        // place with what was typed (nothing was written; the same key keeps it one record).
        HTMLFormElement.prototype.submit.call(form);
      });
    });
  }

  function start() {
    var form = document.getElementById("inspection-form");
    if (form) { setUpForm(form); }
    if (!document.getElementById("drafts")) { return; }
    renderPanel().then(function () { if (navigator.onLine !== false) { sendWaiting(); } });
    window.addEventListener("online", sendWaiting);
    window.setInterval(renderPanel, 60000);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
