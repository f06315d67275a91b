/* ipywidgets on the static site (added by _ext/bilingual.py).
 *
 * The widget embedder draws every saved widget from its stored state, so a slider moves,
 * but nothing answers it: the Python callback that redraws needs a kernel. Here there is
 * none (Thebe not started), so each widget's controls are shown inactive (greyed,
 * aria-disabled, not focusable, no pointer events) under a note in the page's language
 * that points to the launch buttons, and to the kernel-free figure when one follows in
 * the same section. Starting Thebe replaces the outputs, and the notes are removed.
 */
(function () {
  "use strict";
  var VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';
  var CONTROLS = ".widget-inline-hbox, .widget-inline-vbox, .widget-toggle-buttons, .widget-button, " +
    ".widget-toggle-button, .widget-dropdown, .widget-text, .widget-textarea, .widget-checkbox, .widget-play";
  var TEXT = {
    ko: { base: "이 조절기는 커널이 있어야 움직입니다(페이지 위의 실행 단추: Colab·Binder).",
          figure: " 아래 그림은 커널 없이도 움직입니다." },
    en: { base: "These controls need a running kernel (the launch buttons at the top of the page: Colab, Binder).",
          figure: " The figure below works without one." }
  };

  function text() {
    var lang = (document.documentElement.lang || "ko").slice(0, 2);
    return TEXT[lang] || TEXT.en;
  }

  function figureFollows(output) {
    var section = output.closest("section") || document.body;
    var figures = section.querySelectorAll("div.plotly-graph-div");
    for (var i = 0; i < figures.length; i++) {
      if (output.compareDocumentPosition(figures[i]) & Node.DOCUMENT_POSITION_FOLLOWING) { return true; }
    }
    return false;
  }

  function deactivate(output) {
    var root = output.querySelector(".jupyter-widgets");
    if (!root) { return false; }                  /* not drawn yet */
    var controls = output.querySelectorAll(CONTROLS);
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i];
      c.classList.add("rnnkit-inactive");
      c.setAttribute("aria-disabled", "true");
      c.setAttribute("inert", "");
      var focusable = c.querySelectorAll("input, button, select, textarea, [tabindex]");
      for (var j = 0; j < focusable.length; j++) { focusable[j].setAttribute("tabindex", "-1"); }
    }
    if (!output.querySelector(".rnnkit-kernel-note")) {
      var t = text(), note = document.createElement("p");
      note.className = "rnnkit-kernel-note";
      note.setAttribute("role", "note");
      note.textContent = t.base + (figureFollows(output) ? t.figure : "");
      output.insertBefore(note, output.firstChild);
    }
    output.classList.add("rnnkit-widgets-inactive");
    return true;
  }

  function start() {
    var outputs = [];
    document.querySelectorAll(VIEW).forEach(function (s) {
      var out = s.closest(".cell_output") || s.parentElement;
      if (outputs.indexOf(out) < 0) { outputs.push(out); }
    });
    outputs.forEach(function (out) {
      deactivate(out);
      /* The embedder draws after the page's load event, a box before its children:
         mark whatever it adds (marking is idempotent; the note is added once). */
      new MutationObserver(function () { deactivate(out); })
        .observe(out, { childList: true, subtree: true });
    });
    document.addEventListener("click", function (e) {
      if (e.target.closest && e.target.closest(".thebe-launch-button, .thebelab-button")) {
        document.querySelectorAll(".rnnkit-kernel-note").forEach(function (n) { n.remove(); });
      }
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
