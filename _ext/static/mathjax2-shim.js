/* ipywidgets' controls typeset labels with the MathJax v2 call
 *   MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])
 * which throws under MathJax 3 (there is no MathJax.Hub). This shim keeps a small Hub on
 * whatever object window.MathJax is (the v3 configuration, then MathJax itself) and
 * forwards Typeset requests to MathJax 3's typesetPromise. Added by _ext/bilingual.py. */
(function () {
  "use strict";
  var current = window.MathJax;
  function typeset(elements) {
    var mj = current;
    if (mj && typeof mj.typesetPromise === "function") {
      mj.typesetPromise(elements).catch(function () {});
    } else if (mj && mj.startup && mj.startup.promise) {
      mj.startup.promise.then(function () { typeset(elements); });
    }
  }
  var hub = {
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (typeof job === "function") { job(); }
        else if (job && job[0] === "Typeset") { typeset(job[2] ? [job[2]] : undefined); }
      }
    },
    Typeset: function (element) { typeset(element ? [element] : undefined); }
  };
  function patch(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      try { Object.defineProperty(mj, "Hub", {value: hub, enumerable: false, configurable: true}); }
      catch (e) { /* frozen object: nothing to do */ }
    }
    return mj;
  }
  try {
    Object.defineProperty(window, "MathJax", {
      configurable: true,
      enumerable: true,
      get: function () { return current; },
      set: function (value) { current = patch(value); }
    });
  } catch (e) { /* already non-configurable */ }
  patch(current);
})();
