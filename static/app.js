/* omf-der pages: draws the figures, follows a run's progress, and helps with the form
   (sections that follow their toggles, fuel defaults, checks as you type). The server checks
   everything again; nothing here is needed for a run to work. */
"use strict";

(function () {
  // ------------------------------------------------------------------ figures
  function drawPlots() {
    if (typeof Plotly === "undefined") return;
    document.querySelectorAll("[data-plot]").forEach(function (div) {
      var data = document.getElementById("plot-" + div.dataset.plot + "-data");
      if (!data) return;
      var fig = JSON.parse(data.textContent);
      var layout = Object.assign({}, fig.layout || {}, { autosize: true });
      Plotly.newPlot(div, fig.data || [], layout, { responsive: true, displaylogo: false })
        .then(function () { div.dataset.rendered = "true"; })
        .catch(function (err) { div.dataset.rendered = "error"; console.error("figure " + div.dataset.plot, err); });
    });
  }

  // ------------------------------------------------------------------ progress of a run
  function followRun() {
    var header = document.getElementById("run-header");
    if (!header || !header.dataset.statusUrl) return;
    var status = header.dataset.status;
    if (status !== "queued" && status !== "running") return;
    var started = Date.now();
    var elapsed = document.getElementById("elapsed");
    function poll() {
      fetch(header.dataset.statusUrl, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (res) {
          if (res.status === 404) { window.location.reload(); throw new Error("the run is gone"); }
          if (!res.ok) throw new Error("status " + res.status);
          return res.json();
        })
        .then(function (s) {
          if (s.status !== "queued" && s.status !== "running") { window.location.reload(); return; }
          var badge = document.getElementById("run-status");
          if (badge) { badge.textContent = s.status; badge.className = "status status-" + s.status; }
          if (elapsed && s.elapsed_s != null) elapsed.textContent = s.elapsed_s.toFixed(1) + " s";
          (s.steps || []).forEach(function (step) {
            var li = document.querySelector('[data-step="' + CSS.escape(step.name) + '"]');
            if (li) li.className = "step step-" + step.state;
          });
          setTimeout(poll, Date.now() - started < 60000 ? 500 : 2000);
        })
        .catch(function (err) { if (String(err.message) !== "the run is gone") setTimeout(poll, 3000); });
    }
    poll();
  }

  // ------------------------------------------------------------------ the form
  function controllerValue(name) {
    var box = document.querySelector('input[type=checkbox][name="' + CSS.escape(name) + '"]');
    return box ? (box.checked ? "yes" : "no") : null;
  }

  function applyVisibility() {
    document.querySelectorAll("[data-shown-when]").forEach(function (el) {
      var parts = el.dataset.shownWhen.split(":");
      var value = controllerValue(parts[0]);
      // a field with an error stays visible, so that no error is hidden from the user
      var hide = value !== null && value !== parts[1] && !el.classList.contains("has-error");
      el.hidden = hide;
    });
    document.querySelectorAll("[data-section-toggle]").forEach(function (section) {
      section.classList.toggle("collapsed", controllerValue(section.dataset.sectionToggle) === "no");
    });
  }

  function showError(field, message) {
    var box = document.getElementById("error-" + field);
    var wrap = document.getElementById("field-" + field);
    var input = document.getElementById("in-" + field);
    if (!box || !wrap) return;
    box.textContent = message || "";
    box.hidden = !message;
    wrap.classList.toggle("has-error", !!message);
    if (input) { if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid"); }
  }

  var NUMBER = /^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d*)?([eE][+-]?\d+)?$/;

  function checkInput(input) {
    var kind = input.dataset.kind;
    var name = input.name;
    var label = input.dataset.label || name;
    var text = input.value.trim();
    var wrap = document.getElementById("field-" + name);
    if (wrap && wrap.hidden) return true;
    var message = "";
    if (kind === "number" || kind === "integer") {
      var value = Number(text.replace(/,/g, ""));
      if (text === "") message = label + ": a value is required: " + input.dataset.expected;
      else if (!NUMBER.test(text) || !/\d/.test(text) || !isFinite(value)) message = label + ": " + JSON.stringify(text) + " is not a number; expected " + input.dataset.expected;
      else if (kind === "integer" && Math.floor(value) !== value) message = label + ": " + text + " is not a whole number; expected " + input.dataset.expected;
      else if (input.dataset.min !== undefined && value < Number(input.dataset.min)) message = label + ": " + text + " is too small; expected " + input.dataset.expected;
      else if (input.dataset.max !== undefined && value > Number(input.dataset.max)) message = label + ": " + text + " is too large; expected " + input.dataset.expected;
    } else if (kind === "text" && input.dataset.pattern && text !== "" && !new RegExp(input.dataset.pattern).test(text)) {
      message = label + ": " + JSON.stringify(text) + " is not allowed; expected " + input.dataset.expected;
    } else if (kind === "text" && name === "run_name" && text === "") {
      message = label + ": a name is required: " + input.dataset.expected;
    }
    showError(name, message);
    return !message;
  }

  function checkFile(input, maxBytes) {
    var file = input.files && input.files[0];
    var slot = document.getElementById("file-" + input.name);
    if (!file) { showError(input.name, ""); return true; }
    if (slot) {
      var name = slot.querySelector(".file-name");
      var slotLabel = slot.querySelector(".file-label");
      if (name) { name.textContent = file.name; name.removeAttribute("href"); }
      if (slotLabel) slotLabel.textContent = "Chosen, sent with the form:";
    }
    var label = input.dataset.label || input.name;
    if (file.size === 0) { showError(input.name, label + ": " + file.name + " is empty"); return false; }
    if (maxBytes && file.size > maxBytes) {
      showError(input.name, label + ": " + file.name + " is " + (file.size / 1048576).toFixed(1) +
        " MB; at most " + (maxBytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB can be uploaded");
      return false;
    }
    showError(input.name, "");
    return true;
  }

  function setupForm() {
    var form = document.getElementById("inputs-form");
    if (!form) return;
    var maxBytes = Number(form.dataset.maxBytes) || 0;
    form.querySelectorAll("input[data-controller]").forEach(function (box) {
      box.addEventListener("change", applyVisibility);
    });
    applyVisibility();
    form.querySelectorAll("input[data-kind]").forEach(function (input) {
      input.addEventListener("change", function () { checkInput(input); });
      input.addEventListener("input", function () {
        if (document.getElementById("field-" + input.name).classList.contains("has-error")) checkInput(input);
      });
    });
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      input.addEventListener("change", function () { checkFile(input, maxBytes); });
    });
    var fuel = document.getElementById("in-fuel_type");
    var fuelData = document.getElementById("fuel-defaults");
    if (fuel && fuelData) {
      var fuels = JSON.parse(fuelData.textContent);
      var targets = { generator_efficiency_pct: "efficiency", fuel_available: "available", fuel_cost_usd_per_unit: "cost" };
      var showUnit = function () {
        var f = fuels[fuel.value];
        if (!f) return;
        var units = { fuel_available: f.unit, fuel_cost_usd_per_unit: "$/" + f.unit };
        Object.keys(units).forEach(function (name) {
          var label = document.querySelector('label[for="in-' + name + '"] .unit');
          if (label) label.textContent = "(" + units[name] + ")";
        });
      };
      // a new fuel brings its own cost, efficiency and available fuel, except where the user typed
      // a value of their own (a field that still holds the previous fuel's default is replaced)
      var previous = fuel.value;
      fuel.addEventListener("change", function () {
        var f = fuels[fuel.value];
        var old = fuels[previous];
        previous = fuel.value;
        if (!f) return;
        Object.keys(targets).forEach(function (name) {
          var input = document.getElementById("in-" + name);
          if (!input) return;
          var typed = input.value.trim();
          if (typed === "" || !old || Number(typed.replace(/,/g, "")) === old[targets[name]]) {
            input.value = String(f[targets[name]]);
            checkInput(input);
          }
        });
        showUnit();
      });
      showUnit();
    }
    form.addEventListener("submit", function (event) {
      var firstBad = null;
      form.querySelectorAll("input[data-kind]").forEach(function (input) {
        if (!checkInput(input) && !firstBad) firstBad = input;
      });
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        if (!checkFile(input, maxBytes) && !firstBad) firstBad = input;
      });
      var total = 0;
      form.querySelectorAll("input[type=file]").forEach(function (input) {
        if (input.files && input.files[0]) total += input.files[0].size;
      });
      if (!firstBad && maxBytes && total > maxBytes) {
        firstBad = form.querySelector("input[type=file]");
        showError(firstBad.name, "the files chosen add up to " + (total / 1048576).toFixed(1) + " MB; at most " +
          (maxBytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB can be uploaded at once");
      }
      if (firstBad) {
        event.preventDefault();
        var section = firstBad.closest("details");
        if (section) section.open = true;
        firstBad.focus();
        firstBad.scrollIntoView({ block: "center" });
        return;
      }
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; b.textContent = "Starting…"; });
      var runButton = document.getElementById("run-button");
      if (runButton) { runButton.disabled = true; runButton.textContent = "Starting…"; }
    });
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  function setupConfirms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  }

  function start() {
    setupForm();
    setupConfirms();
    followRun();
    drawPlots();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
