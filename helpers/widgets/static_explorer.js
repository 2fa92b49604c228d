// Explorers without a kernel: switch between figures drawn in advance.
//
// helpers/widgets/static.py writes, for each explorer, a <div class="static-explorer">
// holding real HTML controls (range sliders and menus), one <img> and a JSON block
// <script type="application/json" class="static-explorer-data"> with
//   controls: [{name, labels: [...]}, ...]     the live controls, in the order of the inputs
//   images:   ["data:image/png;base64,...", ...] every distinct figure drawn
//   frames:   {"i,j,...": {image: k, values: {name: label, ...}, settings: text}, ...}
// A slider's value is the index of a grid point (step 1), so it can only stop on a value
// the figure was drawn for. Moving a control shows the frame of the chosen indices and
// writes the control's label beside it; the image records the values it was drawn with
// in data-values, so a test (or a curious reader) can check that the two agree.
(function () {
  "use strict";

  function setUp(root) {
    const data = JSON.parse(root.querySelector("script.static-explorer-data").textContent);
    const image = root.querySelector("img.static-explorer-figure");
    const inputs = data.controls.map(
      (control) => root.querySelector(`[data-control="${control.name}"]`));
    const readouts = data.controls.map(
      (control) => root.querySelector(`[data-readout="${control.name}"]`));

    function show() {
      const indices = inputs.map((input) => Number(input.value));
      indices.forEach((index, i) => {
        const label = data.controls[i].labels[index];
        if (readouts[i]) readouts[i].textContent = label;
        inputs[i].setAttribute("aria-valuetext", label);
      });
      const frame = data.frames[indices.join(",")];
      if (!frame) return;  // cannot happen: every combination of indices was drawn
      image.src = data.images[frame.image];
      image.alt = data.alt + " " + frame.settings;
      image.dataset.values = JSON.stringify(frame.values);
      image.dataset.frame = indices.join(",");
    }

    inputs.forEach((input) => input.addEventListener("input", show));
    root.dataset.ready = "true";
    show();
  }

  document.querySelectorAll(".static-explorer:not([data-ready])").forEach(setUp);
})();
