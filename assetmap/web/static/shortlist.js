/* The shortlist that lasts: kept in this browser (localStorage) and in the link, never on the server.

   On every page: the header's "My shortlist" shows the count and links to the whole list.
   On search pages: the "Add to shortlist" boxes are ticked again for what is already on the list, and
   ticking one adds it at once (no need to print from every page of results).
   On the shortlist page: remove buttons, the print and copy buttons, the text box sized to its text,
   and the text-message counter. The GSM-7 rule here is the one in assetmap/web/sms.py (keep them in step).
   Without JavaScript every one of these still works as a plain link or form, except copying by button. */
(function () {
  "use strict";

  var KEY = "assetmap-shortlist";
  var MAX = 20;

  /* ---- storage (a private window may refuse it: then the list lives in the link only) ---- */

  function load() {
    try {
      var ids = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(ids) ? ids.filter(function (id) { return typeof id === "string" && id; }).slice(0, MAX) : [];
    } catch (error) { return []; }
  }

  function save(ids) {
    var unique = [];
    ids.forEach(function (id) { if (unique.indexOf(id) < 0) { unique.push(id); } });
    try { window.localStorage.setItem(KEY, JSON.stringify(unique.slice(0, MAX))); } catch (error) { /* link only */ }
    showCount();
    return unique;
  }

  function listUrl(ids, base) {
    var args = new URLSearchParams();
    ids.forEach(function (id) { args.append("ids", id); });
    var text = args.toString();
    return base + (text ? "?" + text : "");
  }

  /* ---- the header ---- */

  var link = document.getElementById("shortlist-link");
  var shortlistPath = link ? link.getAttribute("href").split("?")[0] : "/shortlist";
  var announcer = null;

  function showCount() {
    if (!link) { return; }
    var ids = load(), count = link.querySelector(".shortlist-count");
    if (!count) {
      count = document.createElement("span");
      count.className = "shortlist-count";
      link.appendChild(count);
    }
    count.textContent = ids.length ? " (" + ids.length + ")" : "";
    link.setAttribute("href", listUrl(ids, shortlistPath));
  }

  function announce(text) {
    /* Screen readers hear what a tick did; the count in the header says it to everyone else. */
    if (!announcer) {
      announcer = document.createElement("p");
      announcer.className = "visually-hidden";
      announcer.setAttribute("role", "status");
      document.body.appendChild(announcer);
    }
    announcer.textContent = text;
  }

  /* ---- search pages: ticks that last ---- */

  function resultBoxes() {
    return Array.prototype.slice.call(document.querySelectorAll(".shortlist-check input[type=checkbox][name=ids]"));
  }

  function showTicks() {
    var ids = load();
    resultBoxes().forEach(function (box) { box.checked = ids.indexOf(box.value) >= 0; });
  }

  function restoreTicks() {
    showTicks();
    resultBoxes().forEach(function (box) {
      box.addEventListener("change", function () {
        var now = load().filter(function (id) { return id !== box.value; });
        if (box.checked) {
          if (now.length >= MAX) {
            box.checked = false;
            announce("Your shortlist is full (" + MAX + " activities). Remove one before adding another.");
            return;
          }
          now.push(box.value);
        }
        now = save(now);
        announce((box.checked ? "Added to" : "Removed from") + " your shortlist. It has " + now.length + (now.length === 1 ? " activity." : " activities."));
      });
    });
    var form = resultBoxes().length ? resultBoxes()[0].form : null;
    if (form) {
      /* "Print or share": the whole list, ticked on any page, not only this page's ticks. */
      form.addEventListener("submit", function (event) {
        var ids = load();
        if (!ids.length) { return; }
        event.preventDefault();
        window.location.assign(listUrl(ids, form.getAttribute("action") || shortlistPath));
      });
    }
  }

  /* ---- the shortlist page ---- */

  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "^{}\\[~]|€";
  var REPLACEMENTS = {
    "·": "-", "•": "-", "‧": "-", "–": "-", "—": "-", "‒": "-", "―": "-", "−": "-", "‐": "-", "‑": "-",
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "“": "\"", "”": "\"", "„": "\"", "‟": "\"", "″": "\"", "«": "\"", "»": "\"",
    "…": "...", "⁄": "/", "×": "x", "÷": "/", "\t": " ", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "©": "(c)", "®": "(R)", "™": "TM", "½": "1/2", "¼": "1/4", "¾": "3/4", "ç": "c", "\u2028": "\n"
  };

  function inAlphabet(c) { return BASIC.indexOf(c) >= 0 || EXTENSION.indexOf(c) >= 0; }

  function gsmChar(c) {
    if (inAlphabet(c)) { return c; }
    if (Object.prototype.hasOwnProperty.call(REPLACEMENTS, c)) { return REPLACEMENTS[c]; }
    if (/^[\u0020\u00a0\u1680\u2000-\u200a\u2029\u202f\u205f\u3000]$/.test(c)) { return " "; }   /* any other space */
    var plain = c.normalize("NFKD").replace(/[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g, "");
    return Array.from(plain).map(function (p) {
      return inAlphabet(p) ? p : (Object.prototype.hasOwnProperty.call(REPLACEMENTS, p) ? REPLACEMENTS[p] : "");
    }).join("");
  }

  function toGsm7(text) { return Array.from(text.replace(/\r\n/g, "\n")).map(gsmChar).join(""); }

  function countSms(text) {
    var sizes = Array.from(text).map(function (c) { return EXTENSION.indexOf(c) >= 0 ? 2 : 1; });
    var total = sizes.reduce(function (a, b) { return a + b; }, 0);
    if (!total) { return { characters: 0, messages: 0 }; }
    if (total <= 160) { return { characters: total, messages: 1 }; }
    var parts = 1, room = 153;
    sizes.forEach(function (size) { if (size > room) { parts += 1; room = 153; } room -= size; });
    return { characters: total, messages: parts };
  }

  function describe(count) {
    var texts = count.messages === 1 ? "1 text message" : count.messages + " text messages";
    return count.characters + " characters, " + texts + (count.messages > 1 ? " (153 characters each)" : "");
  }

  function fitToText(box) {
    box.style.height = "auto";
    box.style.height = (box.scrollHeight + 4) + "px";
  }

  function smsBox() {
    var box = document.getElementById("sms"), counter = document.getElementById("sms-count");
    if (!box || !counter) { return; }
    var base = box.value;
    var note = document.createElement("div");
    note.className = "field no-print";
    var label = document.createElement("label"), input = document.createElement("input");
    label.setAttribute("for", "sms-note");
    label.textContent = "Add a line of your own to the text (optional, not saved anywhere)";
    input.id = "sms-note"; input.type = "text"; input.maxLength = 300; input.autocomplete = "off";
    note.appendChild(label); note.appendChild(input);
    box.parentNode.insertBefore(note, box.previousElementSibling);
    function refresh() {
      var extra = toGsm7(input.value.trim());
      box.value = extra ? extra + "\n" + base : base;
      var count = countSms(box.value);
      counter.textContent = describe(count);
      counter.dataset.characters = String(count.characters);
      counter.dataset.messages = String(count.messages);
      fitToText(box);
    }
    input.addEventListener("input", refresh);
    window.addEventListener("resize", function () { fitToText(box); });
    refresh();
  }

  function copyButton() {
    var button = document.querySelector(".copy-button"), status = document.querySelector(".copy-status");
    if (!button) { return; }
    var box = document.getElementById(button.dataset.copy);
    button.hidden = false;
    button.addEventListener("click", function () {
      function selected() {
        box.focus();
        box.select();
        var copied = false;
        try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
        status.textContent = copied ? "Copied. Paste it into your message."
          : "The text is selected: copy it with Ctrl+C (or press and hold, then Copy, on a phone).";
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(box.value).then(function () { status.textContent = "Copied. Paste it into your message."; }, selected);
      } else { selected(); }
    });
  }

  function sheet() {
    var list = document.getElementById("shortlist");
    var print = document.querySelector(".print-button");
    if (print) { print.hidden = false; print.addEventListener("click", function () { window.print(); }); }
    if (!list) {
      /* An empty page reached from a bare /shortlist: open the list this browser keeps. */
      var kept = load();
      if (document.getElementById("shortlist-empty") && !window.location.search && kept.length) {
        window.location.replace(listUrl(kept, shortlistPath));
      }
      return;
    }
    var shown = (list.dataset.ids || "").split(",").filter(Boolean), stored = load();
    var asked = new URLSearchParams(window.location.search).getAll("ids");
    if (!stored.length || asked.join(",") === stored.join(",")) { save(shown); }   /* adopt, or drop ids no longer listed */
    else if (stored.join(",") !== shown.join(",")) { offerToKeep(list, shown); }
    Array.prototype.slice.call(document.querySelectorAll(".remove-form")).forEach(function (form) {
      form.addEventListener("submit", function () {
        save(load().filter(function (id) { return id !== form.dataset.remove; }));
      });
    });
    smsBox();
    copyButton();
  }

  function offerToKeep(list, shown) {
    /* A shared link differs from the list kept here: keep either, the person chooses. */
    var box = document.createElement("p"), button = document.createElement("button");
    box.className = "no-print keep-list";
    box.appendChild(document.createTextNode("This list is not the one kept in this browser. "));
    button.type = "button";
    button.textContent = "Keep this list instead";
    button.addEventListener("click", function () {
      save(shown);
      box.textContent = "This list is now the one kept in this browser.";
    });
    box.appendChild(button);
    list.parentNode.insertBefore(box, list);
  }

  showCount();
  restoreTicks();
  sheet();
  window.addEventListener("pageshow", function (event) {
    /* Back to a page kept whole by the browser: the list may have changed since it was shown. */
    if (event.persisted) { showCount(); showTicks(); }
  });
  window.assetmapShortlist = { toGsm7: toGsm7, countSms: countSms, load: load };   /* for tests: the page's own rule */
}());
