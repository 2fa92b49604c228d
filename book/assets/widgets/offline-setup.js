// Loaded on notebook pages with widgets, just before embed-amd.js (see _config.yml,
// nb_ipywidgets_js). Written for this book; not part of @jupyter-widgets/html-manager.
(function () {
  "use strict";
  // 1. The widget bundle loads its icon fonts from the folder of the AMD module that
  //    asks for them. Its modules are named "@jupyter-widgets/...", which require.js
  //    would place under the page's own folder, where there are no fonts. Map those
  //    names onto the folder this script (and embed-amd.js with its fonts) is served
  //    from; some modules read the global below instead.
  var here = document.currentScript && document.currentScript.src;
  if (here) {
    var folder = new URL("./", here).href;
    window.__jupyter_widgets_assets_path__ = folder;
    if (window.requirejs) {
      window.requirejs.config({
        paths: {
          "@jupyter-widgets": folder.replace(/\/$/, ""),
          "@jupyter-widgets/html-manager/dist": folder.replace(/\/$/, "")
        }
      });
    }
  }

  // 2. Widgets typeset the LaTeX in their labels with MathJax 2's API,
  //    MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]). The book uses MathJax 3,
  //    which has no Hub, so every label would throw a TypeError. Give MathJax 3 a
  //    small Hub that forwards to MathJax.typesetPromise. MathJax replaces
  //    window.MathJax when its deferred script runs; DOMContentLoaded comes after
  //    that and before the widgets are drawn (on window load).
  function typeset(element) {
    var mathjax = window.MathJax;
    if (!mathjax || !mathjax.startup || !element) return;
    mathjax.startup.promise
      .then(function () { return mathjax.typesetPromise([element]); })
      .catch(function (error) { console.warn("MathJax could not typeset a widget label:", error); });
  }
  function installHub() {
    var mathjax = window.MathJax;
    if (!mathjax || !mathjax.version || mathjax.Hub) return;
    mathjax.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (command) {
          if (Array.isArray(command) && command[0] === "Typeset") typeset(command[2]);
        });
      }
    };
  }
  document.addEventListener("DOMContentLoaded", installHub);
})();
