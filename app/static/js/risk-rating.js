// The risk and review forms: as a likelihood or impact select changes, the rating's score and band
// (from the matrix in the fieldset's data-rating-scale) and what the chosen level means. Without
// this script the page still shows the preview it was opened with, and the server scores the risk.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const fieldset = document.querySelector("[data-rating-scale]");
  if (!fieldset) {
    return;
  }
  const scale = JSON.parse(fieldset.getAttribute("data-rating-scale"));
  const KINDS = ["inherent", "residual", "target"];

  function bandFor(score) {
    return scale.bands.find(function (band) { return band.min <= score && score <= band.max; }) || null;
  }

  // The same markup as the band_badge macro: the band's colour is an SVG rect behind the text,
  // because the CSP forbids style attributes.
  function badge(band, score) {
    const span = document.createElement("span");
    span.className = "band-badge " + (band.text === "#ffffff" ? "band-on-dark" : "band-on-light");
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "band-fill");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("viewBox", "0 0 10 10");
    svg.setAttribute("preserveAspectRatio", "none");
    const rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("width", "10");
    rect.setAttribute("height", "10");
    rect.setAttribute("fill", band.colour);
    svg.appendChild(rect);
    const text = document.createElement("span");
    text.className = "band-badge-text";
    text.textContent = score + " · " + band.name;
    span.append(svg, text);
    return span;
  }

  function levelHelp(levels, value) {
    const level = levels[value];
    if (!level) {
      return "Choose a level; “What the levels mean” above describes each one.";
    }
    return level.description ? level.label + ": " + level.description : level.label;
  }

  function update(kind) {
    const likelihood = document.getElementById(kind + "_likelihood");
    const impact = document.getElementById(kind + "_impact");
    const preview = document.getElementById(kind + "-preview");
    if (!likelihood || !impact || !preview) {
      return;
    }
    [[likelihood, scale.likelihoods], [impact, scale.impacts]].forEach(function (pair) {
      const help = document.getElementById(pair[0].id + "-help");
      if (help) {
        help.textContent = levelHelp(pair[1], pair[0].value);
      }
    });
    const label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = kind.charAt(0).toUpperCase() + kind.slice(1) + " rating: ";
    const parts = [label];
    const l = scale.likelihoods[likelihood.value];
    const i = scale.impacts[impact.value];
    const band = l && i ? bandFor(Number(likelihood.value) * Number(impact.value)) : null;
    if (band) {
      const score = Number(likelihood.value) * Number(impact.value);
      const detail = document.createElement("span");
      detail.className = "risk-rating-preview-detail";
      detail.textContent = l.label + " × " + i.label + (band.response ? ". " + band.response : "");
      parts.push(badge(band, score), document.createTextNode(" "), detail);
    } else {
      const none = document.createElement("span");
      none.className = "text-body-secondary";
      none.textContent = likelihood.value || impact.value ? "Choose both likelihood and impact" : "Not rated yet";
      parts.push(none);
    }
    preview.replaceChildren.apply(preview, parts);
  }

  fieldset.addEventListener("change", function (event) {
    const match = /^(inherent|residual|target)_(likelihood|impact)$/.exec(event.target.id || "");
    if (match) {
      update(match[1]);
    }
  });
  // A page shown again from the browser's history keeps the selects' values: show what they hold.
  window.addEventListener("pageshow", function () { KINDS.forEach(update); });
})();
